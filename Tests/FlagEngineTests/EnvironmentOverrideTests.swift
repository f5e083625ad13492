import EdgeJSON
import FlagEngine
import Testing

@Suite("Environment overrides: entry fields over the base, field by field")
struct EnvironmentOverrideTests {
    let record: JSONValue = [
        "key": "search", "enabled": true, "defaultValue": "v1",
        "targeting": [
            "rules": [["conditions": [["property": "plan", "operator": "equals", "value": "pro"]], "value": "v2-pro"]],
            "rollout": ["percentage": 100],
        ],
        "environments": [
            "development": ["value": "v3"],
            "staging": ["targeting": ["rules": [["conditions": [["property": "plan", "operator": "equals", "value": "free"]], "value": "v2-free"]]]],
            "production": ["enabled": false],
        ],
    ]

    func evaluate(_ context: JSONValue) throws -> Evaluation {
        let ruleset = try Ruleset(flags: [EdgeFlags.flag(record)])
        return ruleset.evaluate(flagKey: "search", context: EdgeFlags.context(context), now: now)
    }

    @Test func entryValueIsServedAsEnvironmentOverride() throws {
        let result = try evaluate(["environment": "development", "plan": "pro"])
        #expect(result.value == "v3")
        #expect(result.reason == .environmentOverride)
    }

    @Test func entryTargetingReplacesRulesAndRolloutAsAUnit() throws {
        let free = try evaluate(["environment": "staging", "plan": "free", "user_id": "u"])
        #expect(free.value == "v2-free")
        // The base rule does not apply in staging, nor does the base 100% rollout.
        let pro = try evaluate(["environment": "staging", "plan": "pro", "user_id": "u"])
        #expect(pro.value == "v1")
        #expect(pro.reason == .fallthrough)
    }

    @Test func entryLeavingAFieldUnsetInheritsTheBase() throws {
        // staging sets no `enabled`: the flag's `enabled: true` applies.
        #expect(try evaluate(["environment": "staging", "plan": "free"]).reason == .targeted)
    }

    @Test func entrySwitchOffWinsOverTheBaseSwitch() throws {
        #expect(try evaluate(["environment": "production", "plan": "pro"]).reason == .disabled)
    }

    @Test func unknownOrMissingEnvironmentUsesTheBase() throws {
        let unknown = try evaluate(["environment": "qa", "plan": "pro"])
        #expect(unknown.value == "v2-pro")
        let none = try evaluate(["plan": "pro"])
        #expect(none.value == "v2-pro")
    }

    @Test func featureSignalsStatesAreIndependentPerEnvironment() throws {
        let flag = try FeatureSignals.flag("f", defaultValue: "d", states: [
            "dev": ["enabled": true, "default_value": "dev-value"],
            "production": ["enabled": false],
        ])
        let ruleset = try Ruleset(flags: [flag])
        let dev = ruleset.evaluate(flagKey: "f", context: FeatureSignals.context(key: "u", environment: "dev"), now: now)
        #expect(dev.value == "dev-value")
        #expect(dev.reason == .fallthrough)
        let production = ruleset.evaluate(flagKey: "f", context: FeatureSignals.context(key: "u"), now: now)
        #expect(production.reason == .disabled)
        #expect(production.value == "d")
    }
}
