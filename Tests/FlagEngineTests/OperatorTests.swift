import EdgeJSON
import FlagEngine
import Testing

/// Whether `condition` matches a context whose custom attribute `attr` is `attribute` (nil: absent).
func conditionMatches(_ condition: Condition, attribute: JSONValue?) throws -> Bool {
    let flag = Flag(key: "f", base: EnvironmentSettings(
        enabled: true, targeting: Targeting(rules: [Rule(conditions: [condition], value: "hit")])))
    let ruleset = try Ruleset(flags: [flag])
    let context = EvaluationContext(targetingKey: "u", attributes: attribute.map { ["attr": $0] } ?? [:])
    return ruleset.evaluate(flagKey: "f", context: context, now: now).reason == .targeted
}

struct OperatorCase: CustomTestStringConvertible, Sendable {
    var spelling: String
    var attribute: JSONValue?
    var values: [JSONValue]
    var expected: Bool
    var testDescription: String { "\(spelling) \(values) on \(attribute.map { "\($0)" } ?? "missing") → \(expected)" }

    init(_ spelling: String, _ attribute: JSONValue?, _ values: [JSONValue], _ expected: Bool) {
        self.spelling = spelling
        self.attribute = attribute
        self.values = values
        self.expected = expected
    }
}

@Suite("Operators: typed comparison over both dialects' spellings")
struct OperatorTests {
    @Test("both spellings map to one operator", arguments: [
        ("equals", Operator.equals), ("eq", .equals), ("not_equals", .notEquals), ("neq", .notEquals),
        ("contains", .contains), ("not_contains", .notContains), ("starts_with", .startsWith),
        ("startsWith", .startsWith), ("ends_with", .endsWith), ("endsWith", .endsWith), ("in", .in),
        ("not_in", .notIn), ("notIn", .notIn), ("gt", .greaterThan), ("gte", .greaterThanOrEqual),
        ("lt", .lessThan), ("lte", .lessThanOrEqual), ("regex", .regex), ("exists", .exists),
    ])
    func spellings(spelling: String, op: Operator) {
        #expect(Operator(spelling: spelling) == op)
    }

    @Test func unknownSpellingIsRejected() {
        #expect(Operator(spelling: "matches") == nil)
        #expect(Operator(spelling: "EQ") == nil)
    }

    /// Attribute present: matching, not matching, type mismatch.
    @Test("operator on a present attribute", arguments: [
        OperatorCase("equals", "pro", ["pro"], true),
        OperatorCase("equals", "pro", ["Pro"], false),
        OperatorCase("equals", 1_000_000, ["1000000"], true),
        OperatorCase("equals", 1_000_000, ["1e+06"], true),
        OperatorCase("equals", 10, [10], true),
        OperatorCase("equals", "10", [10], true),
        OperatorCase("equals", "10", ["10.0"], false),
        OperatorCase("equals", true, ["true"], true),
        OperatorCase("equals", true, [false], false),
        OperatorCase("equals", "abc", [5], false),
        OperatorCase("equals", 5, ["abc"], false),
        OperatorCase("equals", ["a", "b"], ["b"], true),
        OperatorCase("equals", ["k": 1], [["k": 1]], true),
        OperatorCase("not_equals", "pro", ["free"], true),
        OperatorCase("not_equals", "pro", ["pro"], false),
        OperatorCase("not_equals", 5, ["abc"], true),
        OperatorCase("contains", "hello world", ["lo w"], true),
        OperatorCase("contains", "hello", ["xyz"], false),
        OperatorCase("contains", 12345, ["234"], false),
        OperatorCase("contains", ["admin", "dev"], ["admin"], true),
        OperatorCase("contains", ["admin", "dev"], ["root"], false),
        OperatorCase("not_contains", "hello", ["xyz"], true),
        OperatorCase("not_contains", "hello", ["ell"], false),
        OperatorCase("starts_with", "user@example.com", ["user@"], true),
        OperatorCase("starts_with", "user@example.com", ["example"], false),
        OperatorCase("startsWith", 123, ["1"], false),
        OperatorCase("ends_with", "user@example.com", ["@example.com"], true),
        OperatorCase("ends_with", "user@example.com", ["@example.org"], false),
        OperatorCase("endsWith", true, ["e"], false),
        OperatorCase("in", "DE", ["FR", "DE"], true),
        OperatorCase("in", "US", ["FR", "DE"], false),
        OperatorCase("in", 3, ["1", "2", "3"], true),
        OperatorCase("in", "3", [1, 2], false),
        OperatorCase("not_in", "US", ["FR", "DE"], true),
        OperatorCase("not_in", "DE", ["FR", "DE"], false),
        OperatorCase("notIn", 3, [3], false),
        OperatorCase("gt", 10, [9], true),
        OperatorCase("gt", 10, [10], false),
        OperatorCase("gt", "10", ["9"], true),
        OperatorCase("gt", "abc", [1], false),
        OperatorCase("gt", 10, ["abc"], false),
        OperatorCase("gt", "9", ["10"], false),  // numeric, not lexicographic
        OperatorCase("gte", 10, [10], true),
        OperatorCase("gte", 9.5, [10], false),
        OperatorCase("lt", -1, [0], true),
        OperatorCase("lt", 1, [0], false),
        OperatorCase("lt", true, [2], false),
        OperatorCase("lte", "2.5", [2.5], true),
        OperatorCase("lte", 3, ["2.5"], false),
        OperatorCase("regex", "user@example.com", ["^[a-z]+@example\\.com$"], true),
        OperatorCase("regex", "user@evil.com", ["^[a-z]+@example\\.com$"], false),
        OperatorCase("regex", 42, ["^42$"], false),
        OperatorCase("exists", "anything", ["true"], true),
        OperatorCase("exists", "anything", ["false"], false),
        OperatorCase("exists", 0, [], true),
    ])
    func presentAttribute(_ testCase: OperatorCase) throws {
        for missingAttribute in [Condition.MissingAttribute.negationsMatch, .nothingMatches] {
            let condition = Condition(
                attribute: .custom("attr"), operator: try #require(Operator(spelling: testCase.spelling)),
                values: testCase.values, missingAttribute: missingAttribute)
            #expect(try conditionMatches(condition, attribute: testCase.attribute) == testCase.expected)
        }
    }

    @Test("missing attribute under EdgeFlags: only the negations match", arguments: Operator.allCases)
    func missingUnderEdgeFlags(op: Operator) throws {
        // `exists` with "x" expects presence, so it fails too.
        let condition = Condition(attribute: .custom("attr"), operator: op, values: ["x"], missingAttribute: .negationsMatch)
        let expected = op == .notEquals || op == .notContains || op == .notIn
        #expect(try conditionMatches(condition, attribute: nil) == expected)
        #expect(try conditionMatches(condition, attribute: .null) == expected)
    }

    @Test("missing attribute under FeatureSignals: nothing matches but exists=false", arguments: Operator.allCases)
    func missingUnderFeatureSignals(op: Operator) throws {
        let condition = Condition(attribute: .custom("attr"), operator: op, values: ["true"], missingAttribute: .nothingMatches)
        #expect(try conditionMatches(condition, attribute: nil) == false)
    }

    @Test func existsFalseMatchesOnlyAMissingAttribute() throws {
        let condition = Condition(attribute: .custom("attr"), operator: .exists, values: ["false"])
        #expect(try conditionMatches(condition, attribute: nil) == true)
        #expect(try conditionMatches(condition, attribute: "set") == false)
        let boolean = Condition(attribute: .custom("attr"), operator: .exists, values: [false])
        #expect(try conditionMatches(boolean, attribute: nil) == true)
    }

    @Test func wellKnownFieldsAndTargetingKeyAreReadFromTheContext() throws {
        let flag = try EdgeFlags.flag([
            "key": "f", "enabled": true,
            "targeting": ["rules": [["conditions": [
                ["property": "user_id", "operator": "starts_with", "value": "emp-"],
                ["property": "email", "operator": "ends_with", "value": "@corp.io"],
                ["property": "phone", "operator": "starts_with", "value": "+49"],
                ["property": "plan", "operator": "in", "value": ["pro", "team"]],
                ["property": "environment", "operator": "equals", "value": "staging"],
            ], "value": "internal"]]],
        ])
        let ruleset = try Ruleset(flags: [flag])
        let context = EdgeFlags.context([
            "user_id": "emp-7", "email": "a@corp.io", "phone": "+4930", "plan": "team", "environment": "staging",
        ])
        #expect(ruleset.evaluate(flagKey: "f", context: context, now: now).value == "internal")
        var other = context
        other.plan = "free"
        #expect(ruleset.evaluate(flagKey: "f", context: other, now: now).reason == .fallthrough)
    }

    @Test func featureSignalsKeyAttributeReadsTheContextKey() throws {
        let condition = try FeatureSignals.condition(["attribute": "key", "operator": "eq", "values": ["user-1"]])
        #expect(condition.attribute == .targetingKey)
        let flag = Flag(key: "f", base: EnvironmentSettings(
            enabled: true, targeting: Targeting(rules: [Rule(conditions: [condition], value: "me")])))
        let ruleset = try Ruleset(flags: [flag])
        #expect(ruleset.evaluate(flagKey: "f", context: EvaluationContext(targetingKey: "user-1"), now: now).value == "me")
        #expect(ruleset.evaluate(flagKey: "f", context: EvaluationContext(targetingKey: "user-2"), now: now).value == false)
    }

    @Test func dottedPathsReachIntoNestedCustomAttributes() throws {
        let condition = Condition(attribute: .custom("address.city"), operator: .equals, values: ["Berlin"])
        let flag = Flag(key: "f", base: EnvironmentSettings(
            enabled: true, targeting: Targeting(rules: [Rule(conditions: [condition], value: "hit")])))
        let ruleset = try Ruleset(flags: [flag])
        let nested = EvaluationContext(attributes: ["address": ["city": "Berlin"]])
        let literal = EvaluationContext(attributes: ["address.city": "Berlin"])
        let elsewhere = EvaluationContext(attributes: ["address": ["city": "Paris"]])
        #expect(ruleset.evaluate(flagKey: "f", context: nested, now: now).reason == .targeted)
        #expect(ruleset.evaluate(flagKey: "f", context: literal, now: now).reason == .targeted)
        #expect(ruleset.evaluate(flagKey: "f", context: elsewhere, now: now).reason == .fallthrough)
    }

    @Test func invalidRegexIsRefusedWhenTheRulesetIsCompiled() throws {
        let flag = try EdgeFlags.flag([
            "key": "bad", "enabled": true,
            "targeting": ["rules": [["conditions": [["property": "email", "operator": "regex", "value": "(a"]], "value": 1]]],
        ])
        let error = #expect(throws: RulesetError.self) { try Ruleset(flags: [flag]) }
        guard case .invalidRegex(let owner, let regexError) = error else {
            Issue.record("expected invalidRegex, got \(String(describing: error))")
            return
        }
        #expect(owner == "flag \"bad\"")
        #expect(regexError.pattern == "(a")
        #expect(error?.message.contains("missing closing ')'") == true)
    }
}
