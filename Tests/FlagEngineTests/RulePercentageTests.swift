import EdgeJSON
import FlagEngine
import Testing

@Suite("Rule percentages: serve matching users inside the percentage, else continue")
struct RulePercentageTests {
    func flag(percentage: JSONValue) throws -> Flag {
        try FeatureSignals.flag("rollout-flag", defaultValue: "default", states: ["production": [
            "enabled": true,
            "rules": [
                ["priority": 0, "conditions": [["attribute": "plan", "operator": "eq", "values": ["pro"]]], "percentage": percentage, "value": "first"],
                ["priority": 1, "conditions": [["attribute": "plan", "operator": "eq", "values": ["pro"]]], "value": "second"],
            ],
        ]])
    }

    func evaluate(_ flag: Flag, user: String) throws -> Evaluation {
        try Ruleset(flags: [flag]).evaluate(flagKey: flag.key, context: FeatureSignals.context(key: user, attributes: ["plan": "pro"]), now: now)
    }

    @Test func fullPercentageIsTargeted() throws {
        let result = try evaluate(flag(percentage: 10000), user: "user-1")
        #expect(result.value == "first")
        #expect(result.reason == .targeted)
    }

    @Test func partialPercentageServesInsideAsRolloutAndContinuesOutside() throws {
        // rollout-flag/user-1 is bucket 2120.
        let inside = try evaluate(flag(percentage: 2121), user: "user-1")
        #expect(inside.value == "first")
        #expect(inside.reason == .ruleRollout)
        let outside = try evaluate(flag(percentage: 2120), user: "user-1")
        #expect(outside.value == "second")
        #expect(outside.reason == .targeted)
    }

    @Test func zeroPercentServesNoOne() throws {
        for user in 0..<100 {
            #expect(try evaluate(flag(percentage: 0), user: "u\(user)").value == "second")
        }
    }

    @Test func halfPercentageServesAboutHalfOfTheMatchingUsers() throws {
        let ruleset = try Ruleset(flags: [flag(percentage: 5000)])
        var first = 0
        for user in 0..<10_000 {
            let context = FeatureSignals.context(key: "user-\(user)", attributes: ["plan": "pro"])
            if ruleset.evaluate(flagKey: "rollout-flag", context: context, now: now).value == "first" { first += 1 }
        }
        #expect((4_700...5_300).contains(first), "first: \(first)")
    }
}
