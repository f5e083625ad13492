import EdgeJSON
import FlagEngine
import Testing

/// EdgeFlags section 3 "Evaluation order": disabled, outside the window, environment value, flag value,
/// first matching rule, rollout, default.
@Suite("EdgeFlags evaluation order")
struct EdgeFlagsEvaluationOrderTests {
    /// A flag where every step has something to say, so each test switches later steps off.
    let everything: JSONValue = [
        "key": "checkout", "enabled": true, "value": "flag-value", "defaultValue": "default",
        "targeting": [
            "rules": [["conditions": [["property": "plan", "operator": "equals", "value": "pro"]], "value": "rule"]],
            "rollout": ["percentage": 100],
        ],
        "environments": ["production": ["value": "env-value"]],
    ]

    func evaluate(_ record: JSONValue, _ context: JSONValue = [:], at time: Double = now) throws -> Evaluation {
        let ruleset = try Ruleset(flags: [EdgeFlags.flag(record)])
        return ruleset.evaluate(flagKey: record["key"]?.stringValue ?? "", context: EdgeFlags.context(context), now: time)
    }

    func with(_ record: JSONValue, _ changes: [String: JSONValue]) -> JSONValue {
        var members = record.objectValue ?? [:]
        for (key, value) in changes { members[key] = value }
        return .object(members)
    }

    @Test func step1DisabledFlagServesFalseWhateverElseIsSet() throws {
        let result = try evaluate(with(everything, ["enabled": false]), ["environment": "production", "plan": "pro"])
        #expect(result.value == false)
        #expect(result.reason == .disabled)
    }

    @Test func step1EnvironmentEnabledOverridesTheFlagSwitch() throws {
        let off = try evaluate(
            with(everything, ["environments": ["production": ["enabled": false]]]), ["environment": "production"])
        #expect(off.reason == .disabled)
        let on = try evaluate(
            with(everything, ["enabled": false, "environments": ["staging": ["enabled": true]]]), ["environment": "staging"])
        #expect(on.reason == .override)
        #expect(on.value == "flag-value")
    }

    @Test func step2OutsideTheActiveWindowServesFalseAsDisabled() throws {
        let early = try evaluate(with(everything, ["active_from": .number(now + 60)]))
        #expect(early.value == false)
        #expect(early.reason == .scheduledOff)
        let late = try evaluate(with(everything, ["active_until": .number(now - 60)]))
        #expect(late.value == false)
        #expect(late.reason == .scheduledOff)
        let inside = try evaluate(with(everything, ["active_from": .number(now - 60), "active_until": .number(now + 60)]))
        #expect(inside.reason == .override)
    }

    @Test func step3EnvironmentValueWinsOverFlagValueAndTargeting() throws {
        let result = try evaluate(everything, ["environment": "production", "plan": "pro"])
        #expect(result.value == "env-value")
        #expect(result.reason == .environmentOverride)
    }

    @Test func step4FlagValueWinsOverTargeting() throws {
        let result = try evaluate(everything, ["environment": "staging", "plan": "pro"])
        #expect(result.value == "flag-value")
        #expect(result.reason == .override)
    }

    @Test func step5FirstMatchingRuleServesItsValue() throws {
        let record: JSONValue = [
            "key": "banner", "enabled": true,
            "targeting": ["rules": [
                ["conditions": [["property": "plan", "operator": "equals", "value": "free"]], "value": "first"],
                ["conditions": [
                    ["property": "plan", "operator": "equals", "value": "pro"],
                    ["property": "country", "operator": "in", "value": ["DE", "FR"]],
                ], "value": "second"],
                ["conditions": [["property": "plan", "operator": "equals", "value": "pro"]], "value": "third"],
            ]],
        ]
        let both = try evaluate(record, ["plan": "pro", "custom": ["country": "FR"]])
        #expect(both.value == "second")
        #expect(both.reason == .targeted)
        let onlyPlan = try evaluate(record, ["plan": "pro", "custom": ["country": "US"]])
        #expect(onlyPlan.value == "third")
    }

    @Test func step6InsideTheRolloutServesTrue() throws {
        let record: JSONValue = [
            "key": "ramp", "enabled": true, "defaultValue": "off",
            "targeting": ["rules": [["conditions": [["property": "plan", "operator": "equals", "value": "pro"]], "value": "rule"]],
                          "rollout": ["percentage": 100]],
        ]
        let result = try evaluate(record, ["user_id": "u1", "plan": "free"])
        #expect(result.value == true)
        #expect(result.reason == .rollout)
        let nobody = try evaluate(with(record, ["targeting": ["rollout": ["percentage": 0]]]), ["user_id": "u1"])
        #expect(nobody.value == "off")
        #expect(nobody.reason == .fallthrough)
    }

    @Test func step6MissingRolloutAttributeIsOutsideTheRollout() throws {
        let record: JSONValue = [
            "key": "org-ramp", "enabled": true,
            "targeting": ["rollout": ["percentage": 100, "attribute": "org_id"]],
        ]
        #expect(try evaluate(record, ["user_id": "u1"]).reason == .fallthrough)
        #expect(try evaluate(record, ["user_id": "u1", "custom": ["org_id": "acme"]]).reason == .rollout)
        #expect(try evaluate(with(record, ["targeting": ["rollout": ["percentage": 100]]]), [:]).reason == .fallthrough)
    }

    @Test func step6RolloutBucketsTheConfiguredAttribute() throws {
        // Bucket of "org-ramp.acme" decides, not the user id.
        let bucket = Bucketing.bucket(flagKey: "org-ramp", value: "acme")
        let inside: JSONValue = [
            "key": "org-ramp", "enabled": true,
            "targeting": ["rollout": ["percentage": .number(Double(bucket + 1) / 100), "attribute": "org_id"]],
        ]
        let outside = with(inside, ["targeting": ["rollout": ["percentage": .number(Double(bucket) / 100), "attribute": "org_id"]]])
        for user in ["u1", "u2", "u3"] {
            #expect(try evaluate(inside, ["user_id": .string(user), "custom": ["org_id": "acme"]]).reason == .rollout)
            #expect(try evaluate(outside, ["user_id": .string(user), "custom": ["org_id": "acme"]]).reason == .fallthrough)
        }
    }

    @Test func step7DefaultValueWhenStoredElseFalse() throws {
        let stored = try evaluate(["key": "theme", "enabled": true, "defaultValue": "blue"])
        #expect(stored.value == "blue")
        #expect(stored.reason == .fallthrough)
        let bare = try evaluate(["key": "theme", "enabled": true])
        #expect(bare.value == false)
        #expect(bare.reason == .fallthrough)
    }

    @Test func unknownFlagIsNotFoundWithNull() throws {
        let ruleset = try Ruleset(flags: [EdgeFlags.flag(everything)])
        let result = ruleset.evaluate(flagKey: "nope", context: EvaluationContext(), now: now)
        #expect(result.reason == .notFound)
        #expect(result.value == .null)
        #expect(result.flagKey == "nope")
    }
}
