import EdgeBenchC
import CoreMetrics
import EdgeKV
import Foundation
import Prometheus

// Benchmarks that need no socket, run by scripts/bench in a release build:
//   edgebench kv-get [--keys N] [--iterations N] [--runs N]
//     EdgeKV `get` through the Swift API against raw C `mdb_get` of the same keys in the same store.
//   edgebench engine [--iterations N] [--runs N]
//     FlagEngine: one flag with 2 rules and a segment, and all of 50 such flags, per context.
//   edgebench worker [--iterations N] [--runs N] [--metrics]
//     FlagsWorker.fetch in-process (no socket): evaluate with 20 flags, one flag, /health, and
//     evaluate for a new user each time; `--metrics` counts into swift-prometheus, as `serve` does
//     with `[server] metrics` set (without it, swift-metrics' no-op backend).
//   edgebench json [--iterations N] [--runs N]
//     EdgeJSON parsing of an evaluation body and of a stored flag record.
//   edgebench compile [--flags N] [--runs N]
//     FlagsWorker compiling a project of N flags whole, and after a change of one flag.

func argument(_ name: String, default value: Int) -> Int {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return value
}

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) * 1e9 + Double(ts.tv_nsec)
}

switch CommandLine.arguments.dropFirst().first {
case "kv-get":
    break
case "engine":
    runEngineBenchmark(iterations: argument("--iterations", default: 1_000_000), runs: argument("--runs", default: 3))
    exit(0)
case "worker":
    if CommandLine.arguments.contains("--metrics") {
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: PrometheusCollectorRegistry()))
    }
    await runWorkerBenchmark(iterations: argument("--iterations", default: 200_000), runs: argument("--runs", default: 3))
    exit(0)
case "json":
    runJSONBenchmark(iterations: argument("--iterations", default: 1_000_000), runs: argument("--runs", default: 3))
    exit(0)
case "compile":
    await runCompileBenchmark(flags: argument("--flags", default: 10_000), runs: argument("--runs", default: 3))
    exit(0)
default:
    print("usage: edgebench kv-get|engine|worker|json|compile [--keys N] [--flags N] [--iterations N] [--runs N]")
    exit(2)
}
let keyCount = argument("--keys", default: 10_000)
let iterations = argument("--iterations", default: 2_000_000)
let runs = argument("--runs", default: 3)
let directory = NSTemporaryDirectory() + "edgebench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: directory) }
let keys = (0..<keyCount).map { "flag:project-\($0 % 50):feature-\($0)" }

do {
    var options = KVStoreOptions()
    options.durable = false
    let store = try KVStore(directory: directory, namespaces: ["flags"], options: options)
    let ns = store.namespace("flags")!
    try await withThrowingTaskGroup(of: Void.self) { group in
        for (i, key) in keys.enumerated() {
            group.addTask { try await ns.put(key, "{\"enabled\":true,\"value\":\(i),\"rules\":[]}") }
        }
        try await group.waitForAll()
    }
    store.close()
}

var swiftResults: [Double] = []
var cResults: [Double] = []
let cKeys = keys.map { strdup($0) }
defer { cKeys.forEach { free($0) } }
let lengths = keys.map { $0.utf8.count }
for _ in 0..<runs {
    // LMDB forbids opening one environment twice in a process: measure each side with the other closed.
    do {
        let store = try KVStore(directory: directory, namespaces: ["flags"])
        let ns = store.namespace("flags")!
        var sink = 0
        let start = now()
        for i in 0..<iterations {
            if let value = try ns.getBytes(keys[i % keyCount]) { sink &+= value.count }
        }
        swiftResults.append((now() - start) / Double(iterations))
        precondition(sink > 0)
        store.close()
    } catch {
        print("EdgeKV run failed: \(error)")
        exit(1)
    }
    let ns = cKeys.map { UnsafePointer($0) }.withUnsafeBufferPointer { keyPointers in
        lengths.withUnsafeBufferPointer { lengthPointer in
            edge_bench_mdb_get(directory, "ns:flags", keyPointers.baseAddress, lengthPointer.baseAddress, keyCount, iterations)
        }
    }
    guard ns > 0 else { print("C run failed: \(ns)"); exit(1) }
    cResults.append(ns)
}

func range(_ values: [Double]) -> String {
    String(format: "%.0f–%.0f ns", values.min() ?? 0, values.max() ?? 0)
}
let ratio = (swiftResults.sorted()[swiftResults.count / 2]) / (cResults.sorted()[cResults.count / 2])
print("kv-get: \(keyCount) keys, \(iterations) gets x \(runs) runs")
print("  EdgeKV get (Swift API, txn per get): \(range(swiftResults)) per get")
print("  raw C mdb_get (one txn):             \(range(cResults)) per get")
print(String(format: "  ratio (median): %.2fx  budget: <= 2x  %@", ratio, ratio <= 2 ? "PASS" : "FAIL"))
