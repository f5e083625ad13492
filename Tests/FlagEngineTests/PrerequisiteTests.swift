import EdgeJSON
import FlagEngine
import Testing

@Suite("Prerequisites: evaluated recursively, a cycle fails")
struct PrerequisiteTests {
    func flag(_ key: String, enabled: Bool = true, serves value: JSONValue = true, requires: [String] = []) throws -> Flag {
        try FeatureSignals.flag(key, defaultValue: "default", states: ["production": ["enabled": .bool(enabled), "default_value": value]], prerequisites: requires)
    }

    func evaluate(_ key: String, _ flags: [Flag]) throws -> Evaluation {
        try Ruleset(flags: flags).evaluate(flagKey: key, context: FeatureSignals.context(key: "u"), now: now)
    }

    @Test func satisfiedPrerequisiteLetsEvaluationContinue() throws {
        let result = try evaluate("child", [flag("parent"), flag("child", serves: "child-on", requires: ["parent"])])
        #expect(result.value == "child-on")
        #expect(result.reason == .fallthrough)
    }

    @Test func disabledPrerequisiteFails() throws {
        let result = try evaluate("child", [flag("parent", enabled: false), flag("child", requires: ["parent"])])
        #expect(result.value == "default")
        #expect(result.reason == .prerequisiteFailed)
    }

    @Test func missingPrerequisiteFails() throws {
        #expect(try evaluate("child", [flag("child", requires: ["ghost"])]).reason == .prerequisiteFailed)
    }

    @Test func prerequisiteServingFalseFails() throws {
        #expect(try evaluate("child", [flag("parent", serves: false), flag("child", requires: ["parent"])]).reason == .prerequisiteFailed)
    }

    @Test func prerequisiteServingANonBooleanPasses() throws {
        #expect(try evaluate("child", [flag("parent", serves: "variant-b"), flag("child", requires: ["parent"])]).reason == .fallthrough)
    }

    @Test func everyPrerequisiteMustPass() throws {
        let flags = try [flag("p1"), flag("p2", enabled: false), flag("child", requires: ["p1", "p2"])]
        #expect(try evaluate("child", flags).reason == .prerequisiteFailed)
    }

    @Test func failureIsTransitive() throws {
        let flags = try [flag("root", enabled: false), flag("middle", serves: "yes", requires: ["root"]), flag("leaf", requires: ["middle"])]
        #expect(try evaluate("middle", flags).reason == .prerequisiteFailed)
        #expect(try evaluate("leaf", flags).reason == .prerequisiteFailed)
    }

    @Test func cycleFailsEveryFlagOnItAndDependingOnIt() throws {
        let flags = try [flag("a", requires: ["b"]), flag("b", requires: ["c"]), flag("c", requires: ["a"]), flag("d", requires: ["a"])]
        for key in ["a", "b", "c", "d"] {
            #expect(try evaluate(key, flags).reason == .prerequisiteFailed, "\(key)")
        }
    }

    @Test func selfPrerequisiteIsACycle() throws {
        #expect(try evaluate("me", [flag("me", requires: ["me"])]).reason == .prerequisiteFailed)
    }

    @Test func chainsUpToTheDepthLimitEvaluate() throws {
        func chain(_ length: Int) throws -> [Flag] {
            try (0..<length).map { index in
                try flag("f\(index)", requires: index + 1 < length ? ["f\(index + 1)"] : [])
            }
        }
        #expect(try evaluate("f0", chain(Ruleset.maxPrerequisiteDepth)).reason == .fallthrough)
        #expect(try evaluate("f0", chain(Ruleset.maxPrerequisiteDepth + 1)).reason == .prerequisiteFailed)
    }
}
