import EdgeBenchC
import EdgeJSON
import FlagEngine
import Foundation

/// The engine budgets of performance.md: one flag with 2 rules and a segment ≤ 0.5 µs, all 50
/// flags ≤ 15 µs, in-process. Contexts vary so that both matching and non-matching paths run.
func runEngineBenchmark(iterations: Int, runs: Int) {
    let segment = Segment(key: "beta-testers", conditions: [
        Condition(attribute: .email, operator: .endsWith, values: ["@example.com"]),
        Condition(attribute: .custom("country"), operator: .in, values: ["DE", "FR", "NL"]),
    ])
    func flag(_ i: Int) -> Flag {
        let rules = [
            Rule(priority: 1, conditions: [Condition(attribute: .segment, operator: .in, values: ["beta-testers"])],
                 value: .string("beta-\(i)")),
            Rule(priority: 2, conditions: [
                Condition(attribute: .plan, operator: .in, values: ["pro", "enterprise"]),
                Condition(attribute: .custom("age"), operator: .greaterThanOrEqual, values: [18]),
            ], value: .string("pro-\(i)")),
        ]
        return Flag(key: String(format: "feature-%02d", i), type: .string, defaultValue: "off",
                    base: EnvironmentSettings(enabled: true,
                                              targeting: Targeting(rules: rules, rollout: Rollout(basisPoints: 2500))))
    }
    let ruleset: Ruleset
    do {
        ruleset = try Ruleset(flags: (0..<50).map(flag), segments: [segment])
    } catch {
        print("engine: ruleset does not compile: \(error)")
        exit(1)
    }
    var contexts: [EvaluationContext] = []
    for i in 0..<64 {
        let email = i % 3 == 0 ? "u\(i)@example.com" : "u\(i)@other.org"
        let plan = i % 2 == 0 ? "pro" : "free"
        let country = i % 4 == 0 ? "DE" : "US"
        let attributes: [String: JSONValue] = ["country": .string(country), "age": .number(Double(15 + i % 10))]
        contexts.append(EvaluationContext(targetingKey: "user-\(i)", email: .string(email), plan: .string(plan),
                                          attributes: attributes, environment: "production"))
    }
    let now = Date().timeIntervalSince1970
    var single: [Double] = []
    var all: [Double] = []
    var sink = 0
    for _ in 0..<runs {
        var start = monotonicNanoseconds()
        for i in 0..<iterations {
            sink &+= ruleset.evaluate(flagKey: "feature-07", context: contexts[i & 63], now: now).valueIndex
        }
        single.append((monotonicNanoseconds() - start) / Double(iterations))
        let bulkIterations = max(1, iterations / 50)
        start = monotonicNanoseconds()
        for i in 0..<bulkIterations {
            ruleset.forEachEvaluation(context: contexts[i & 63], now: now) { sink &+= $0.valueIndex }
        }
        all.append((monotonicNanoseconds() - start) / Double(bulkIterations))
    }
    // Allocations: the issue's "evaluated without allocation beyond the result" (the result is a
    // value: an index into the ruleset's pre-encoded values, and a reason).
    let counted = 10_000
    var before = edge_bench_allocations()
    for i in 0..<counted {
        sink &+= ruleset.evaluate(flagKey: "feature-07", context: contexts[i & 63], now: now).valueIndex
    }
    let perFlag = Double(edge_bench_allocations() - before) / Double(counted)
    before = edge_bench_allocations()
    for i in 0..<counted {
        ruleset.forEachEvaluation(context: contexts[i & 63], now: now) { sink &+= $0.valueIndex }
    }
    let perAll = Double(edge_bench_allocations() - before) / Double(counted)
    precondition(sink != 42, "keeps the work observable")
    let singleMedian = single.sorted()[single.count / 2], allMedian = all.sorted()[all.count / 2]
    print("engine: 50 flags, 2 rules each (one through a segment) + a 25% rollout, 64 contexts, \(runs) runs")
    print(String(format: "  one flag:  %.0f–%.0f ns  budget: <= 500 ns  %@", single.min()!, single.max()!,
                 singleMedian <= 500 ? "PASS" : "FAIL"))
    print(String(format: "  all 50:    %.2f–%.2f µs  budget: <= 15 µs  %@", all.min()! / 1000, all.max()! / 1000,
                 allMedian <= 15_000 ? "PASS" : "FAIL"))
    print(String(format: "  heap allocations: %.2f per flag evaluated, %.2f per evaluation of all 50", perFlag, perAll))
}

func monotonicNanoseconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
}
