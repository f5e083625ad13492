import EdgeJSON
import FlagEngine
import Testing

/// FeatureSignals section 5: not found, disabled, mutual exclusion, prerequisites, rules, rollout,
/// variants, fallthrough. Groups and prerequisites have their own suites.
@Suite("FeatureSignals evaluation order")
struct FeatureSignalsEvaluationOrderTests {
    func evaluate(_ flag: Flag, key: String? = "user-1", attributes: [String: JSONValue] = [:],
                  segments: [Segment] = [], environment: String = "production", at time: Double = now) throws -> Evaluation {
        let ruleset = try Ruleset(flags: [flag], segments: segments)
        return ruleset.evaluate(
            flagKey: flag.key,
            context: FeatureSignals.context(key: key, attributes: attributes, environment: environment), now: time)
    }

    @Test func step1MissingFlagServesNullNotFound() throws {
        let ruleset = try Ruleset(flags: [FeatureSignals.flag("present", states: ["production": ["enabled": true]])])
        let result = ruleset.evaluate(flagKey: "absent", context: FeatureSignals.context(key: "u"), now: now)
        #expect(result.value == .null)
        #expect(result.reason == .notFound)
    }

    @Test func step2NoStateInTheEnvironmentServesFlagDefaultDisabled() throws {
        let flag = try FeatureSignals.flag("f", defaultValue: "fallback", states: ["staging": ["enabled": true]])
        let result = try evaluate(flag, environment: "production")
        #expect(result.value == "fallback")
        #expect(result.reason == .disabled)
    }

    @Test func step2DisabledStateServesFlagDefaultNotStateDefault() throws {
        let flag = try FeatureSignals.flag(
            "f", defaultValue: "flag-default", states: ["production": ["enabled": false, "default_value": "state-default"]])
        let result = try evaluate(flag)
        #expect(result.value == "flag-default")
        #expect(result.reason == .disabled)
    }

    @Test func step2ExpiredFlagServesDefaultDisabled() throws {
        let flag = try FeatureSignals.flag(
            "f", defaultValue: "old", states: ["production": ["enabled": true, "default_value": "new"]], expiresAt: now - 1)
        let result = try evaluate(flag)
        #expect(result.value == "old")
        #expect(result.reason == .scheduledOff)
        #expect(try evaluate(flag, at: now - 2).value == "new")
    }

    @Test func step5RuleWithoutPercentageServesEveryoneTargeted() throws {
        let flag = try FeatureSignals.flag("f", states: ["production": [
            "enabled": true,
            "rules": [["conditions": [["attribute": "plan", "operator": "eq", "values": ["pro"]]], "value": "pro-value"]],
        ]])
        for user in 0..<50 {
            let result = try evaluate(flag, key: "u\(user)", attributes: ["plan": "pro"])
            #expect(result.value == "pro-value")
            #expect(result.reason == .targeted)
        }
    }

    @Test func step5RulesRunInPriorityOrderStably() throws {
        let flag = try FeatureSignals.flag("f", states: ["production": [
            "enabled": true,
            "rules": [
                ["priority": 2, "conditions": [], "value": "low"],
                ["priority": 1, "conditions": [["attribute": "plan", "operator": "eq", "values": ["pro"]]], "value": "first-of-1"],
                ["priority": 1, "conditions": [], "value": "second-of-1"],
            ],
        ]])
        #expect(try evaluate(flag, attributes: ["plan": "pro"]).value == "first-of-1")
        #expect(try evaluate(flag, attributes: ["plan": "free"]).value == "second-of-1")
    }

    @Test func step5RuleNeedsAMatchingSegmentWhenItNamesSegments() throws {
        let segments = try [
            FeatureSignals.segment(["key": "beta", "match_type": "any", "rules": [
                ["attribute": "email", "operator": "endsWith", "values": ["@beta.io"]],
                ["attribute": "tier", "operator": "eq", "values": ["beta"]],
            ]]),
        ]
        let flag = try FeatureSignals.flag("f", states: ["production": [
            "enabled": true,
            "rules": [["segment_keys": ["missing", "beta"], "conditions": [], "value": "beta-value"]],
        ]])
        #expect(try evaluate(flag, attributes: ["tier": "beta"], segments: segments).reason == .targeted)
        #expect(try evaluate(flag, attributes: ["email": "a@beta.io"], segments: segments).reason == .targeted)
        #expect(try evaluate(flag, attributes: ["email": "a@gamma.io"], segments: segments).reason == .fallthrough)
        let onlyMissing = try FeatureSignals.flag("f", states: ["production": [
            "enabled": true, "rules": [["segment_keys": ["missing"], "conditions": [], "value": "x"]],
        ]])
        #expect(try evaluate(onlyMissing, segments: segments).reason == .fallthrough)
    }

    @Test func step5RuleMatchTypeAnyNeedsOneCondition() throws {
        let flag = try FeatureSignals.flag("f", states: ["production": [
            "enabled": true,
            "rules": [["match_type": "any", "conditions": [
                ["attribute": "plan", "operator": "eq", "values": ["pro"]],
                ["attribute": "country", "operator": "eq", "values": ["NZ"]],
            ], "value": "hit"]],
        ]])
        #expect(try evaluate(flag, attributes: ["country": "NZ"]).value == "hit")
        #expect(try evaluate(flag, attributes: ["country": "AU"]).reason == .fallthrough)
    }

    @Test func step6InsideRolloutServesStateDefaultOutsideServesFlagDefault() throws {
        let flag = try FeatureSignals.flag("rollout-flag", defaultValue: "flag-default", states: ["production": [
            "enabled": true, "default_value": "state-default", "percentage_rollout": 2121,
        ]])
        // rollout-flag/user-1 is bucket 2120.
        let inside = try evaluate(flag, key: "user-1")
        #expect(inside.value == "state-default")
        #expect(inside.reason == .rollout)
        let outsideFlag = try FeatureSignals.flag("rollout-flag", defaultValue: "flag-default", states: ["production": [
            "enabled": true, "default_value": "state-default", "percentage_rollout": 2120,
        ]])
        let outside = try evaluate(outsideFlag, key: "user-1")
        #expect(outside.value == "flag-default")
        #expect(outside.reason == .fallthrough)
    }

    @Test func step6InsideRolloutWithoutStateDefaultServesFlagDefault() throws {
        let flag = try FeatureSignals.flag("f", defaultValue: "flag-default", states: ["production": [
            "enabled": true, "percentage_rollout": 10000,
        ]])
        let result = try evaluate(flag)
        #expect(result.value == "flag-default")
        #expect(result.reason == .rollout)
    }

    @Test func step6OutsideRolloutNeverReachesVariants() throws {
        let flag = try FeatureSignals.flag("rollout-flag", type: .ab, defaultValue: "control", states: ["production": [
            "enabled": true, "percentage_rollout": 1,
            "variants": [["key": "everyone", "weight": 10000, "value": "treatment"]],
        ]])
        let result = try evaluate(flag, key: "user-1")
        #expect(result.reason == .fallthrough)
        #expect(result.value == "control")
        #expect(result.variantKey == nil)
    }

    @Test func step7AbFlagServesAVariant() throws {
        let flag = try FeatureSignals.flag("f", type: .ab, defaultValue: "control", states: ["production": [
            "enabled": true, "variants": [["key": "only", "weight": 10000, "value": "treatment"]],
        ]])
        let result = try evaluate(flag)
        #expect(result.value == "treatment")
        #expect(result.reason == .variant)
        #expect(result.variantKey == "only")
    }

    @Test func step8FallthroughServesStateDefaultElseFlagDefault() throws {
        let withState = try FeatureSignals.flag("f", defaultValue: 1, states: ["production": ["enabled": true, "default_value": 2]])
        #expect(try evaluate(withState).value == 2)
        #expect(try evaluate(withState).reason == .fallthrough)
        let withoutState = try FeatureSignals.flag("f", defaultValue: 1, states: ["production": ["enabled": true]])
        #expect(try evaluate(withoutState).value == 1)
    }
}
