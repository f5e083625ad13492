import EdgeJSON
import FlagEngine
import Testing

@Suite("Segments: conditions, explicit membership, nesting")
struct SegmentTests {
    /// A flag serving "in" to members of `segment` (EdgeFlags `property: "segment"`).
    func inSegment(_ segment: String, op: String = "in") throws -> Flag {
        try EdgeFlags.flag([
            "key": "gate", "enabled": true,
            "targeting": ["rules": [["conditions": [["property": "segment", "operator": .string(op), "value": [.string(segment)]]], "value": "in"]]],
        ])
    }

    func served(_ flag: Flag, _ segments: [Segment], _ context: JSONValue) throws -> JSONValue {
        try Ruleset(flags: [flag], segments: segments)
            .evaluate(flagKey: flag.key, context: EdgeFlags.context(context), now: now).value
    }

    let employees: JSONValue = ["key": "employees", "conditions": [
        ["property": "email", "operator": "ends_with", "value": "@corp.io"],
        ["property": "plan", "operator": "not_equals", "value": "suspended"],
    ]]

    @Test func allConditionsMustMatch() throws {
        let segments = try [EdgeFlags.segment(employees)]
        #expect(try served(inSegment("employees"), segments, ["email": "a@corp.io", "plan": "pro"]) == "in")
        #expect(try served(inSegment("employees"), segments, ["email": "a@corp.io", "plan": "suspended"]) == false)
        #expect(try served(inSegment("employees"), segments, ["email": "a@else.io"]) == false)
    }

    @Test func explicitMembershipComesFromTheContextList() throws {
        let segments = try [EdgeFlags.segment(employees)]
        #expect(try served(inSegment("employees"), segments, ["email": "x@else.io", "segments": ["employees"]]) == "in")
        // A listed segment that has no record still counts.
        #expect(try served(inSegment("vip"), segments, ["segments": ["vip"]]) == "in")
        #expect(try served(inSegment("vip"), segments, ["segments": ["other"]]) == false)
    }

    @Test func segmentWithoutConditionsHoldsOnlyExplicitMembers() throws {
        let segments = [Segment(key: "listed")]
        #expect(try served(inSegment("listed"), segments, ["user_id": "u"]) == false)
        #expect(try served(inSegment("listed"), segments, ["user_id": "u", "segments": ["listed"]]) == "in")
    }

    @Test func notInMatchesNonMembers() throws {
        let segments = try [EdgeFlags.segment(employees)]
        #expect(try served(inSegment("employees", op: "not_in"), segments, ["email": "a@else.io"]) == "in")
        #expect(try served(inSegment("employees", op: "not_in"), segments, ["email": "a@corp.io"]) == false)
    }

    @Test func segmentsNestThroughSegmentConditions() throws {
        let segments = try [
            EdgeFlags.segment(employees),
            EdgeFlags.segment(["key": "berlin-employees", "conditions": [
                ["property": "segment", "operator": "in", "value": ["employees"]],
                ["property": "city", "operator": "equals", "value": "Berlin"],
            ]]),
        ]
        #expect(try served(inSegment("berlin-employees"), segments, ["email": "a@corp.io", "custom": ["city": "Berlin"]]) == "in")
        #expect(try served(inSegment("berlin-employees"), segments, ["email": "a@corp.io", "custom": ["city": "Paris"]]) == false)
        #expect(try served(inSegment("berlin-employees"), segments, ["email": "a@x.io", "custom": ["city": "Berlin"]]) == false)
    }

    @Test func featureSignalsMatchTypeAny() throws {
        let segment = try FeatureSignals.segment(["key": "apac", "match_type": "any", "rules": [
            ["attribute": "country", "operator": "eq", "values": ["JP"]],
            ["attribute": "country", "operator": "eq", "values": ["AU"]],
        ]])
        let flag = try FeatureSignals.flag("f", states: ["production": [
            "enabled": true, "rules": [["segment_keys": ["apac"], "value": "apac"]],
        ]])
        let ruleset = try Ruleset(flags: [flag], segments: [segment])
        let australia = FeatureSignals.context(key: "u", attributes: ["country": "AU"])
        let spain = FeatureSignals.context(key: "u", attributes: ["country": "ES"])
        #expect(ruleset.evaluate(flagKey: "f", context: australia, now: now).value == "apac")
        #expect(ruleset.evaluate(flagKey: "f", context: spain, now: now).reason == .fallthrough)
    }

    @Test func cycleIsACompileErrorNamingTheSegments() throws {
        let segments = [
            Segment(key: "a", conditions: [Condition(attribute: .segment, operator: .in, values: ["b"])]),
            Segment(key: "b", conditions: [Condition(attribute: .segment, operator: .in, values: ["c"])]),
            Segment(key: "c", conditions: [Condition(attribute: .segment, operator: .in, values: ["a"])]),
        ]
        let error = #expect(throws: RulesetError.self) { try Ruleset(flags: [], segments: segments) }
        #expect(error == .segmentCycle(["a", "b", "c", "a"]))
        #expect(error?.message == "segment cycle: a -> b -> c -> a")
    }

    @Test func selfReferenceIsACycle() throws {
        let segments = [Segment(key: "me", conditions: [Condition(attribute: .segment, operator: .notIn, values: ["me"])])]
        #expect(throws: RulesetError.segmentCycle(["me", "me"])) { try Ruleset(flags: [], segments: segments) }
    }

    /// A chain s1 → s2 → … → s`length`, where the last segment tests the plan.
    func chain(_ length: Int) -> [Segment] {
        (1...length).map { level in
            level == length
                ? Segment(key: "s\(level)", conditions: [Condition(attribute: .plan, operator: .equals, values: ["pro"])])
                : Segment(key: "s\(level)", conditions: [Condition(attribute: .segment, operator: .in, values: [.string("s\(level + 1)")])])
        }
    }

    @Test func nestingUpToTheDepthLimitEvaluates() throws {
        let segments = chain(Ruleset.maxSegmentDepth)
        #expect(try served(inSegment("s1"), segments, ["plan": "pro"]) == "in")
        #expect(try served(inSegment("s1"), segments, ["plan": "free"]) == false)
    }

    @Test func nestingBeyondTheDepthLimitIsACompileError() throws {
        let error = #expect(throws: RulesetError.self) { try Ruleset(flags: [], segments: chain(Ruleset.maxSegmentDepth + 1)) }
        guard case .segmentNestingTooDeep(let keys) = error else {
            Issue.record("expected segmentNestingTooDeep, got \(String(describing: error))")
            return
        }
        #expect(keys.first == "s1")
        #expect(keys.count == Ruleset.maxSegmentDepth + 1)
    }

    @Test func segmentConditionWithAnOrderingOperatorIsRefused() throws {
        let segments = [Segment(key: "x", conditions: [Condition(attribute: .segment, operator: .greaterThan, values: ["y"])])]
        let error = #expect(throws: RulesetError.self) { try Ruleset(flags: [], segments: segments) }
        guard case .invalidCondition(let owner, _) = error else {
            Issue.record("expected invalidCondition, got \(String(describing: error))")
            return
        }
        #expect(owner == "segment \"x\"")
    }
}
