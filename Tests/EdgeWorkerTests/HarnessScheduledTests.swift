import EdgeJSON
import Testing
@testable import EdgeWorker

/// Records each cron firing in KV, as a worker's `scheduled` handler would.
private struct Ticker: Worker {
    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        .text("ok")
    }

    func scheduled(_ event: ScheduledEvent, env: Env, ctx: ExecutionContext) async throws {
        try await env.kv["TICKS"]?.put("last", "\(event.cron) @ \(Int(event.scheduledTime))")
    }
}

@Suite("WorkerHarness: cron triggers in-process")
struct HarnessScheduledTests {
    @Test func scheduledRunsTheHandlerAtTheHarnessClockUnlessTold() async throws {
        let harness = try WorkerHarness(worker: Ticker(), namespaces: ["TICKS"], clock: { 1_700_000_000 })
        try await harness.scheduled(cron: "0 * * * *")
        #expect(try harness.env.kv["TICKS"]?.getText("last") == "0 * * * * @ 1700000000")
        try await harness.scheduled(cron: "*/5 * * * *", at: 1_700_000_300)
        #expect(try harness.env.kv["TICKS"]?.getText("last") == "*/5 * * * * @ 1700000300")
    }
}
