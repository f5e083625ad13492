import EdgeJSON
import FlagEngine
import Testing

@Suite("Variants: cumulative weights in basis points")
struct VariantTests {
    func abFlag(_ variants: JSONValue, type: Flag.ValueType = .ab) throws -> Flag {
        try FeatureSignals.flag("experiment", type: type, defaultValue: "control", states: ["production": ["enabled": true, "variants": variants]])
    }

    @Test func variantIsChosenByWalkingCumulativeWeights() throws {
        let ruleset = try Ruleset(flags: [abFlag([
            ["key": "a", "weight": 2000, "value": "A"],
            ["key": "b", "weight": 3000, "value": "B"],
            ["key": "c", "weight": 5000, "value": "C"],
        ])])
        for user in 0..<500 {
            let bucket = Bucketing.bucket(flagKey: "experiment", value: "u\(user)")
            let expected = bucket < 2000 ? "a" : bucket < 5000 ? "b" : "c"
            let result = ruleset.evaluate(flagKey: "experiment", context: FeatureSignals.context(key: "u\(user)"), now: now)
            #expect(result.reason == .variant)
            #expect(result.variantKey == expected)
            #expect(result.value == .string(expected.uppercased()))
        }
    }

    @Test func evenSplitServesHalfOfTheUsersEach() throws {
        let ruleset = try Ruleset(flags: [abFlag([
            ["key": "on", "weight": 5000, "value": true], ["key": "off", "weight": 5000, "value": false],
        ])])
        var on = 0
        for user in 0..<20_000 where ruleset.evaluate(flagKey: "experiment", context: FeatureSignals.context(key: "user-\(user)"), now: now).variantKey == "on" {
            on += 1
        }
        #expect((9_600...10_400).contains(on), "on: \(on)")
    }

    @Test func weightsBelowTheWholeLeaveTheRestToFallthrough() throws {
        let ruleset = try Ruleset(flags: [abFlag([["key": "small", "weight": 1000, "value": "S"]])])
        var fallthroughs = 0
        for user in 0..<1_000 {
            let result = ruleset.evaluate(flagKey: "experiment", context: FeatureSignals.context(key: "u\(user)"), now: now)
            if result.reason == .fallthrough {
                fallthroughs += 1
                #expect(result.value == "control")
                #expect(result.variantKey == nil)
            }
        }
        #expect((850...950).contains(fallthroughs))
    }

    @Test func variantsOnlyApplyToAbFlags() throws {
        let ruleset = try Ruleset(flags: [abFlag([["key": "all", "weight": 10000, "value": "V"]], type: .string)])
        let result = ruleset.evaluate(flagKey: "experiment", context: FeatureSignals.context(key: "u"), now: now)
        #expect(result.reason == .fallthrough)
        #expect(result.value == "control")
    }

    @Test func withoutATargetingKeyNoVariantIsChosen() throws {
        let ruleset = try Ruleset(flags: [abFlag([["key": "all", "weight": 10000, "value": "V"]])])
        #expect(ruleset.evaluate(flagKey: "experiment", context: FeatureSignals.context(key: nil), now: now).reason == .fallthrough)
    }
}
