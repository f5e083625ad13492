@testable import EdgeServer
@testable import EdgeWorker
import Foundation
import NIOPosix
import Testing

/// A latch a worker waits on until the test opens it.
final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream<Void>.makeStream() }

    func wait() async { for await _ in stream {} }

    func open() { continuation.finish() }
}

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass; whether it held. The
/// sleep only paces the polling: what is awaited is the condition.
func eventually(timeout: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return condition()
}

/// A request whose answer and a `waitUntil` whose end the test decides, so that shutdown is seen
/// with each of them still running rather than after a guess at how long they take.
struct ShutdownProbeWorker: Worker {
    let heldRequestArrived = Flag()
    let answerGate = Gate()
    let backgroundGate = Gate()
    let backgroundDone = Flag()

    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        switch request.path {
        case "/background":
            let (gate, done) = (backgroundGate, backgroundDone)
            ctx.waitUntil {
                await gate.wait()
                done.set()
            }
            return .text("accepted")
        case "/held":
            heldRequestArrived.set()
            await answerGate.wait()
            return .text("held done")
        default:
            return .text("not found", status: 404)
        }
    }
}

@Suite("Runner: graceful shutdown")
struct ShutdownTests {
    @Test func inFlightRequestFinishesAndNewConnectionsAreRefused() async throws {
        var settings = ServerSettings()
        settings.port = 0
        settings.accessLog = "off"
        // Far longer than the test waits to see each stage: a stage must not end by its own timeout
        // while a loaded machine keeps the test from looking.
        settings.shutdownGraceSeconds = 120
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let worker = ShutdownProbeWorker()
        let server = EdgeServer(worker: worker, env: Env(), settings: settings, group: group)
        let port = try await server.start()
        let client = try RawHTTPClient(port: port)
        try client.send("GET /background HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await client.readResponse()?.text == "accepted")
        try client.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await eventually { worker.heldRequestArrived.isSet }, "the worker never saw the request")

        let stopped = Task { await server.shutdown() }
        // The listener closes while the request is still in flight (its answer waits on the gate).
        #expect(await eventually { (try? RawHTTPClient(port: port)) == nil }, "new connections were still accepted")
        worker.answerGate.open()
        let response = try #require(await client.readResponse(timeout: 5))
        #expect(response.text == "held done")
        #expect(response.headers["connection"] == "close")
        // With the request answered, shutdown drains the waitUntil work, which ends only when the
        // test opens its gate: shutdown must be seen waiting for it.
        #expect(await eventually(timeout: 60) { server.background.waitingDrains == 1 }, "shutdown never waited for the background work")
        #expect(!worker.backgroundDone.isSet)
        worker.backgroundGate.open()
        await stopped.value
        #expect(worker.backgroundDone.isSet)
        #expect(server.openConnections == 0)
        try await group.shutdownGracefully()
    }
}
