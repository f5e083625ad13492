import EdgeBenchC
import EdgeJSON
import EdgeWorker
import FlagsWorker
import Foundation

/// The flag service without a socket: `FlagsWorker.fetch` called in a loop on a seeded in-process
/// store, so the worker's own cost per request (auth, body, evaluation, JSON) is measured apart from
/// the runner and the kernel. The same 20 flags and context as `scripts/bench http`.
func runWorkerBenchmark(iterations: Int, runs: Int) async {
    do {
        let harness = try WorkerHarness(worker: FlagsWorker(), namespaces: FlagsWorker.bindings, vars: [
            "RATE_LIMIT_EVALUATIONS_PER_MINUTE": "1000000000", "RATE_LIMIT_MANAGEMENT_PER_MINUTE": "1000000000",
        ])
        try await FlagsWorker.prepare(env: harness.env)
        let token = try await FlagsWorker.createToken(env: harness.env, projectID: "default", name: "bench",
                                                       permissions: ["*"], expiresAt: nil).token
        let auth: Headers = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        func send(_ method: String, _ target: String, _ body: String) async throws -> Response {
            let response = await harness.dispatch(Request(method: method, target: target, headers: auth, body: Array(body.utf8)))
            guard response.status < 300 || response.status == 409 else {
                throw ConfigurationFailure("\(method) \(target) answered \(response.status): \(response.bodyText ?? "")")
            }
            return response
        }
        _ = try await send("POST", "/api/v1/segments", #"{"key":"beta-testers","conditions":[{"property":"email","operator":"ends_with","value":"@example.com"},{"property":"country","operator":"in","value":["DE","FR","NL"]}]}"#)
        for i in 0..<5 {
            _ = try await send("POST", "/api/v1/configs", #"{"key":"config-\#(i)","value":{"limit":\#(i * 10),"theme":"dark"}}"#)
        }
        for i in 0..<20 {
            _ = try await send("POST", "/api/v1/flags", """
                {"key":"feature-\(String(format: "%03d", i))","enabled":true,"type":"string","defaultValue":"off",
                 "targeting":{"rules":[{"conditions":[{"property":"segment","operator":"in","value":["beta-testers"]}],"value":"beta"},
                 {"conditions":[{"property":"plan","operator":"in","value":["pro","enterprise"]},{"property":"age","operator":"gte","value":18}],"value":"pro"}],
                 "rollout":{"percentage":25}}}
                """)
        }
        let body = #"{"context":{"user_id":"user-42","email":"u42@example.org","plan":"pro","environment":"production","custom":{"country":"US","age":30}}}"#
        let workloads: [(String, Request)] = [
            ("POST /api/v1/evaluate, 20 flags", Request(method: "POST", target: "/api/v1/evaluate", headers: auth, body: Array(body.utf8))),
            ("GET /api/v1/flags/{key}", Request(method: "GET", target: "/api/v1/flags/feature-007", headers: auth)),
            ("GET /health", Request(method: "GET", target: "/health")),
        ]
        let counting = CommandLine.arguments.contains("--metrics") ? " (--metrics)" : ""
        print("worker: FlagsWorker.fetch in-process, \(iterations) requests x \(runs) runs\(counting)")
        for (name, request) in workloads {
            var results: [Double] = []
            var bytes = 0
            let allocationsBefore = edge_bench_allocations()
            for _ in 0..<runs {
                let start = now()
                for _ in 0..<iterations {
                    let response = await harness.dispatch(request)
                    bytes &+= response.bodyBytes?.count ?? 0
                }
                results.append((now() - start) / Double(iterations) / 1000)
            }
            let allocations = Double(edge_bench_allocations() - allocationsBefore) / Double(iterations * runs)
            precondition(bytes > 0)
            print(String(format: "  %-34@ %.2f–%.2f µs per request, %.1f heap allocations", name as NSString,
                         results.min() ?? 0, results.max() ?? 0, allocations))
        }
        // Another user on every request, as SDK traffic is: each one evaluated, none kept. The bodies
        // are made before the clock starts, one per request of every run.
        let bodies = (0..<(iterations * runs)).map {
            Array(#"{"context":{"user_id":"user-\#($0)","email":"u42@example.org","plan":"pro","environment":"production","custom":{"country":"US","age":30}}}"#.utf8)
        }
        var results: [Double] = []
        let allocationsBefore = edge_bench_allocations()
        for run in 0..<runs {
            let start = now()
            for i in 0..<iterations {
                let request = Request(method: "POST", target: "/api/v1/evaluate", headers: auth, body: bodies[run * iterations + i])
                let status = await harness.dispatch(request).status
                precondition(status == 200)
            }
            results.append((now() - start) / Double(iterations) / 1000)
        }
        let allocations = Double(edge_bench_allocations() - allocationsBefore) / Double(iterations * runs)
        print(String(format: "  %-34@ %.2f–%.2f µs per request, %.1f heap allocations", "POST /api/v1/evaluate, new users" as NSString,
                     results.min() ?? 0, results.max() ?? 0, allocations))
    } catch {
        print("worker benchmark failed: \(error)")
        exit(1)
    }
}

struct ConfigurationFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Compiling a project whole: `flags` records like `scripts/bench`'s bulk flags (a rule and a
/// rollout each) in one in-process store, and each run a fresh `FlagsWorker` whose first
/// evaluation reads, parses, translates and compiles all of them — what a start pays before its
/// first evaluation. Then the same worker after a change of one flag (patched, not compiled again).
func runCompileBenchmark(flags count: Int, runs: Int) async {
    do {
        let harness = try WorkerHarness(worker: FlagsWorker(), namespaces: FlagsWorker.bindings, vars: ["RATE_LIMIT_EVALUATIONS_PER_MINUTE": "1000000000"])
        try await FlagsWorker.prepare(env: harness.env)
        let token = try await FlagsWorker.createToken(env: harness.env, projectID: "default", name: "bench",
                                                       permissions: ["*"], expiresAt: nil).token
        let flags = harness.env.kv["FLAGS"]!
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: count, by: 1_000) {
                group.addTask {
                    for i in chunk..<min(count, chunk + 1_000) {
                        let key = String(format: "bulk-%06d", i)
                        _ = try await flags.put("flag:default:\(key)", """
                            {"key":"\(key)","enabled":true,"type":"string","defaultValue":"off","version":1,\
                            "targeting":{"rules":[{"conditions":[{"property":"plan","operator":"in","value":["pro"]}],"value":"on"}],\
                            "rollout":{"percentage":10}},"created_at":"2026-11-01T00:00:00.000Z","updated_at":"2026-11-01T00:00:00.000Z"}
                            """)
                    }
                }
            }
            try await group.waitForAll()
        }
        let auth: Headers = ["Authorization": "Bearer \(token)", "Content-Type": "application/json"]
        let evaluate = Request(method: "POST", target: "/api/v1/evaluate", headers: auth,
                               body: Array(#"{"context":{"user_id":"u1","plan":"pro"},"flags":["bulk-000001"]}"#.utf8))
        func send(_ worker: FlagsWorker, _ request: Request) async throws -> Response {
            let ctx = ExecutionContext(tracker: harness.background)
            let response = try await worker.fetch(request, env: harness.env, ctx: ctx)
            guard response.status == 200 else { throw ConfigurationFailure("\(request.target) answered \(response.status)") }
            return response
        }
        var whole: [Double] = [], wholeCPU: [Double] = [], patched: [Double] = [], held: [Double] = []
        func cpu() -> Double {
            var ts = timespec()
            clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
            return Double(ts.tv_sec) * 1e3 + Double(ts.tv_nsec) / 1e6
        }
        for run in 0..<runs {
            let heapBefore = edge_bench_heap_in_use()
            let worker = FlagsWorker()
            var start = now()
            let startCPU = cpu()
            _ = try await send(worker, evaluate)
            whole.append((now() - start) / 1e6)
            wholeCPU.append(cpu() - startCPU)
            held.append(Double(Int(edge_bench_heap_in_use()) - Int(heapBefore)) / Double(count))
            let change = Request(method: "PUT", target: "/api/v1/flags/bulk-000002", headers: auth, body: Array(
                #"{"key":"bulk-000002","enabled":true,"type":"string","defaultValue":"off","value":"v\#(run)"}"#.utf8))
            _ = try await send(worker, change)
            start = now()
            _ = try await send(worker, evaluate)
            patched.append((now() - start) / 1e6)
        }
        print("compile: a project of \(count) flags, \(runs) runs:", whole.map { String(format: "%.0f", $0) }.joined(separator: " "), "ms")
        print(String(format: "  first evaluation of a fresh worker (compiles all)  %.1f–%.1f ms (CPU %.1f–%.1f ms)",
                     whole.min() ?? 0, whole.max() ?? 0, wholeCPU.min() ?? 0, wholeCPU.max() ?? 0))
        print(String(format: "  next evaluation after a change of one flag        %.2f–%.2f ms", patched.min() ?? 0, patched.max() ?? 0))
        print(String(format: "  heap held by the compiled project                 %.0f–%.0f bytes a flag",
                     held.min() ?? 0, held.max() ?? 0))
    } catch {
        print("compile benchmark failed: \(error)")
        exit(1)
    }
}
