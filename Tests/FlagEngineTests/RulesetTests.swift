import EdgeJSON
import FlagEngine
import Testing

@Suite("Ruleset: compiled once, evaluated in key order")
struct RulesetTests {
    let flags: [Flag] = [
        Flag(key: "zebra", base: EnvironmentSettings(enabled: true, value: "z")),
        Flag(key: "apple", type: .string, defaultValue: "a", base: EnvironmentSettings(enabled: true)),
        Flag(key: "mango", base: EnvironmentSettings(enabled: false)),
    ]

    @Test func evaluateAllReturnsEveryFlagInKeyOrder() throws {
        let ruleset = try Ruleset(flags: flags)
        let results = ruleset.evaluateAll(context: EvaluationContext(), now: now)
        #expect(results.map(\.flagKey) == ["apple", "mango", "zebra"])
        #expect(results.map(\.value) == ["a", false, "z"])
        #expect(results.map(\.reason) == [.fallthrough, .disabled, .override])
        #expect(ruleset.flagKeys == ["apple", "mango", "zebra"])
    }

    @Test func forEachEvaluationAgreesWithSingleEvaluations() throws {
        let ruleset = try Ruleset(flags: flags)
        let context = EvaluationContext(targetingKey: "u")
        var seen: [Evaluation] = []
        ruleset.forEachEvaluation(context: context, now: now) { seen.append($0) }
        #expect(seen == ruleset.flagKeys.map { ruleset.evaluate(flagKey: $0, context: context, now: now) })
    }

    @Test func valueIndexPointsAtTheServedValue() throws {
        let ruleset = try Ruleset(flags: flags)
        for result in ruleset.evaluateAll(context: EvaluationContext(), now: now) {
            #expect(ruleset.servedValues[result.valueIndex] == result.value)
        }
        #expect(ruleset.servedValues[0] == .null)
        #expect(Set(ruleset.servedValues).count == ruleset.servedValues.count)
    }

    @Test func duplicateKeysAreRefused() throws {
        #expect(throws: RulesetError.duplicateFlagKey("apple")) { try Ruleset(flags: flags + [Flag(key: "apple")]) }
        #expect(throws: RulesetError.duplicateSegmentKey("s")) {
            try Ruleset(flags: [], segments: [Segment(key: "s"), Segment(key: "s")])
        }
    }

    @Test func declaredTypesAreKept() throws {
        let ruleset = try Ruleset(flags: flags)
        #expect(ruleset.type(ofFlag: "apple") == .string)
        #expect(ruleset.type(ofFlag: "zebra") == .boolean)
        #expect(ruleset.type(ofFlag: "nope") == nil)
        #expect(ruleset.containsFlag("mango"))
        #expect(!ruleset.containsFlag("nope"))
        // Evaluations carry the type a record named; nil when it named none (or the flag is unknown).
        #expect(ruleset.evaluate(flagKey: "apple", context: EvaluationContext(), now: now).declaredType == .string)
        #expect(ruleset.evaluate(flagKey: "nope", context: EvaluationContext(), now: now).declaredType == nil)
        let undeclared = try Ruleset(flags: [Flag(key: "u", defaultValue: "text", declaresType: false)])
        #expect(undeclared.evaluate(flagKey: "u", context: EvaluationContext(), now: now).declaredType == nil)
        #expect(undeclared.type(ofFlag: "u") == .boolean)
    }

    @Test func emptyRulesetFindsNothing() {
        let ruleset = Ruleset()
        #expect(ruleset.flagCount == 0)
        #expect(ruleset.evaluate(flagKey: "x", context: EvaluationContext(), now: now).reason == .notFound)
        #expect(ruleset.evaluateAll(context: EvaluationContext(), now: now).isEmpty)
    }

    @Test func evaluationDoesNotDependOnInputOrderOfRules() throws {
        // Equal priorities keep list order; different priorities sort.
        let rules = [
            Rule(priority: 5, value: "five"),
            Rule(priority: -1, conditions: [Condition(attribute: .plan, operator: .equals, values: ["pro"])], value: "minus-one"),
            Rule(priority: 5, value: "five-later"),
        ]
        let ruleset = try Ruleset(flags: [Flag(key: "f", base: EnvironmentSettings(enabled: true, targeting: Targeting(rules: rules)))])
        #expect(ruleset.evaluate(flagKey: "f", context: EvaluationContext(plan: "pro"), now: now).value == "minus-one")
        #expect(ruleset.evaluate(flagKey: "f", context: EvaluationContext(plan: "free"), now: now).value == "five")
    }
}
