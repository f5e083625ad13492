import EdgeJSON
import FlagEngine
import Testing

/// `Ruleset.updating` compiles only the flags that changed; whatever it returns must evaluate exactly
/// like a whole compile of the same flags, and it must refuse (nil) whenever a change can reach a flag
/// it does not recompile.
@Suite("Ruleset: updating a few flags without compiling the rest")
struct RulesetUpdateTests {
    static let segments = [
        Segment(key: "pros", conditions: [Condition(attribute: .plan, operator: .in, values: ["pro", "team"])]),
    ]

    static func flag(_ key: String, value: JSONValue, enabled: Bool = true, percentage: Int? = nil,
                     production: JSONValue? = nil) -> Flag {
        let rules = [
            Rule(conditions: [Condition(attribute: .custom("country"), operator: .equals, values: ["FR"])], value: .string("fr-" + key)),
            Rule(segmentKeys: ["pros"], percentage: percentage, value: value),
            Rule(conditions: [Condition(attribute: .email, operator: .regex, values: [".*@example\\.com$"])], value: "staff"),
        ]
        return Flag(key: key, type: .string, defaultValue: "off",
                    base: EnvironmentSettings(enabled: enabled, targeting: Targeting(rules: rules, rollout: Rollout(basisPoints: 5_000))),
                    environments: production.map { ["production": EnvironmentSettings(value: $0)] } ?? [:])
    }

    static let contexts: [EvaluationContext] = (0..<60).map { (i: Int) -> EvaluationContext in
        let email: JSONValue? = i % 7 == 0 ? .string("u\(i)@example.com") : nil
        let plan: JSONValue = i % 3 == 0 ? "pro" : "free"
        let attributes: [String: JSONValue] = i % 5 == 0 ? ["country": "FR"] : [:]
        return EvaluationContext(targetingKey: "user-\(i)", email: email, plan: plan, attributes: attributes,
                                 environment: i % 2 == 0 ? "production" : nil)
    }

    /// Both rulesets give the same result (value, reason, variant) for every flag and context.
    func expectSameAnswers(_ patched: Ruleset, _ whole: Ruleset, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(patched.flagKeys == whole.flagKeys, sourceLocation: sourceLocation)
        for context in Self.contexts {
            let a = patched.evaluateAll(context: context, now: now), b = whole.evaluateAll(context: context, now: now)
            #expect(a.map(\.value) == b.map(\.value), sourceLocation: sourceLocation)
            #expect(a.map(\.reason) == b.map(\.reason), sourceLocation: sourceLocation)
            for result in a { #expect(patched.servedValues[result.valueIndex] == result.value, sourceLocation: sourceLocation) }
        }
    }

    let original = (0..<40).map { flag("f\($0)", value: .string("v\($0)"), production: $0 % 4 == 0 ? "prod" : nil) }

    @Test func changedFlagsEvaluateAsAfterAWholeCompile() throws {
        let ruleset = try Ruleset(flags: original, segments: Self.segments)
        var changed = original
        changed[3] = Self.flag("f3", value: "new", enabled: false)
        changed[8] = Self.flag("f8", value: ["nested": [1, 2]], percentage: 30, production: "p8")
        let patched = try #require(try ruleset.updating([changed[3], changed[8]]))
        expectSameAnswers(patched, try Ruleset(flags: changed, segments: Self.segments))
        // The original is untouched: rulesets are values.
        expectSameAnswers(ruleset, try Ruleset(flags: original, segments: Self.segments))
    }

    @Test func addedAndRemovedFlagsTakeTheirPlaceInKeyOrder() throws {
        let ruleset = try Ruleset(flags: original, segments: Self.segments)
        let added = [Self.flag("a-first", value: "a"), Self.flag("f25x", value: "m"), Self.flag("zz-last", value: "z")]
        let patched = try #require(try ruleset.updating(added + [Self.flag("f1", value: "again")], removing: ["f2", "f30"]))
        var expected = original.filter { !["f2", "f30", "f1"].contains($0.key) } + added + [Self.flag("f1", value: "again")]
        expected.sort { $0.key < $1.key }
        expectSameAnswers(patched, try Ruleset(flags: expected, segments: Self.segments))
        #expect(patched.containsFlag("f25x") && !patched.containsFlag("f2"))
        #expect(patched.evaluate(flagKey: "f30", context: EvaluationContext(), now: now).reason == .notFound)
    }

    @Test func changesThatReachOtherFlagsAreRefused() throws {
        let ruleset = try Ruleset(flags: original, segments: Self.segments)
        var prerequisite = Self.flag("f1", value: "x")
        prerequisite.prerequisites = ["f2"]
        #expect(try ruleset.updating([prerequisite]) == nil)
        var exclusive = Self.flag("f1", value: "x")
        exclusive.mutualExclusionGroup = "g"
        #expect(try ruleset.updating([exclusive]) == nil)
        var staging = Self.flag("f1", value: "x")
        staging.environments = ["staging": EnvironmentSettings(enabled: false)]
        #expect(try ruleset.updating([staging]) == nil)
        // A ruleset where some flag depends on another is never patched, whatever the change.
        var dependent = original
        dependent[0].prerequisites = ["f1"]
        #expect(try Ruleset(flags: dependent, segments: Self.segments).updating([Self.flag("f5", value: "x")]) == nil)
    }

    @Test func invalidFlagsThrowAsAWholeCompileWould() throws {
        let ruleset = try Ruleset(flags: original, segments: Self.segments)
        var broken = Self.flag("f1", value: "x")
        broken.base.targeting = Targeting(rules: [Rule(conditions: [
            Condition(attribute: .email, operator: .regex, values: ["(unclosed"])], value: "x")])
        #expect(throws: RulesetError.self) { try ruleset.updating([broken]) }
        #expect(throws: RulesetError.duplicateFlagKey("f1")) {
            try ruleset.updating([Self.flag("f1", value: "a"), Self.flag("f1", value: "b")])
        }
    }

    @Test func theValueTableStopsGrowingAfterManyUpdates() throws {
        var ruleset = try Ruleset(flags: original, segments: Self.segments)
        var refused = false
        for round in 0..<2_000 {
            guard let next = try ruleset.updating([Self.flag("f1", value: .string("round-\(round)"))]) else {
                refused = true
                break
            }
            ruleset = next
        }
        #expect(refused)
        #expect(ruleset.servedValues.count < 3_000)
    }
}
