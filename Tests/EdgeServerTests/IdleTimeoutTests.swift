@testable import EdgeServer
import Foundation
import NIOCore
import NIOEmbedded
import Testing

/// `idle_timeout_seconds`: a kept-alive connection with nothing in flight that stays quiet that long
/// is closed; one that keeps asking, or waits for a slow answer, is not; a quiet WebSocket is pinged
/// and closed if the ping goes unanswered.
@Suite("Runner: idle timeout", .serialized)
struct IdleTimeoutTests {
    @Test func aQuietKeptAliveConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await withRunner({ $0.idleTimeoutSeconds = 0.6 }) { server, port, _ in
            let client = try RawHTTPClient(port: port)
            let sent = Date()
            try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.readResponse()?.text == "hello")
            #expect(await client.isClosedByPeer(timeout: 10))
            // Never before the timeout, which runs from when the server read the request (after
            // `sent`); how soon after it depends on the load of the machine.
            #expect(Date().timeIntervalSince(sent) >= 0.6)
            let deadline = Date().addingTimeInterval(5)
            while server.openConnections > 0 && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
            #expect(server.openConnections == 0)
        }
    }

    @Test func aConnectionThatKeepsAskingStaysOpen() async throws {
        try await withRunner({ $0.idleTimeoutSeconds = 2 }) { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /echo?q=0 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.readResponse()?.text == "GET 0 0")
            // A quiet connection opened after that first request idles out after the busy one's
            // first idle check has run (one event loop, checks in deadline order). Until then the
            // busy one keeps asking, about every 0.1 s, and once more after. The asking runs on a
            // thread of its own: a busy test pool must not make the client the quiet one.
            let quiet = try RawHTTPClient(port: port)
            let (asked, answered, quietClosed) = await offload { () -> (Int, Bool, Bool) in
                var asked = 1
                while asked < 300 {
                    let quietClosed = quiet.isClosedByPeerBlocking(timeout: 0.1)
                    guard (try? client.send("GET /echo?q=\(asked) HTTP/1.1\r\nHost: x\r\n\r\n")) != nil,
                          client.readResponseBlocking(timeout: 5, headRequest: false)?.text == "GET 0 \(asked)" else {
                        return (asked, false, quietClosed)
                    }
                    asked += 1
                    if quietClosed { return (asked, true, true) }
                }
                return (asked, true, false)
            }
            #expect(answered, "request \(asked) of a connection that kept asking went unanswered")
            #expect(quietClosed, "the quiet connection was never closed")
        }
    }

    /// On the loop's virtual clock: the idle check runs about once per idle period, also while a
    /// request that began long ago is still arriving (it once ran every millisecond then).
    @Test func theIdleCheckRunsOncePerPeriodWhileARequestArrives() throws {
        let loop = EmbeddedEventLoop()
        let channel = EmbeddedChannel(loop: loop)
        let timeouts = ConnectionTimeouts(requestTimeoutSeconds: 10, idleTimeoutSeconds: 0.3, errorBody: [])
        try channel.pipeline.syncOperations.addHandler(timeouts)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        var partial = channel.allocator.buffer(capacity: 32)
        partial.writeString("POST /echo HTTP/1.1\r\nHost: x\r\n")
        try channel.writeInbound(partial)
        _ = try channel.readInbound(as: ByteBuffer.self)
        for _ in 0..<60 { loop.advanceTime(by: .milliseconds(50)) }  // 3 s in 50 ms steps
        #expect(timeouts.idleCheckCount >= 5)
        #expect(timeouts.idleCheckCount <= 12)
        _ = try? channel.finish()
    }

    @Test func aSlowAnswerIsNotCutByTheIdleTimeout() async throws {
        try await withRunner({ $0.idleTimeoutSeconds = 0.3 }) { _, port, _ in
            let id = UUID().uuidString
            let client = try RawHTTPClient(port: port)
            try client.send("GET /held?id=\(id) HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await eventually { HeldAnswers.hasArrived(id) }, "the worker never saw the request")
            // A quiet connection opened after that request was read idles out after it: both idle
            // checks run on the runner's one event loop in deadline order, so once this one has
            // been closed, the busy connection's check has run too, with its answer still held.
            let quiet = try RawHTTPClient(port: port)
            #expect(await quiet.isClosedByPeer(timeout: 10), "the quiet connection was never closed")
            HeldAnswers.release(id)
            #expect(await client.readResponse(timeout: 5)?.text == "held done")
        }
    }

    @Test func aQuietWebSocketIsPingedAndClosedWhenThePingGoesUnanswered() async throws {
        try await withRunner({ $0.idleTimeoutSeconds = 0.4 }) { _, port, _ in
            let client = try await WebSocketTests().connect(port)
            // Answered pings keep it open…
            for _ in 0..<2 {
                let ping = try #require(await client.readFrame(timeout: 3))
                #expect(ping.opcode == 9)
                try client.sendFrame(opcode: 10, ping.payload)
            }
            try client.sendText("still here")
            // (a ping may be on its way before the echo)
            var frame = await client.readFrame()
            if frame?.opcode == 9 { frame = await client.readFrame() }
            #expect(frame?.text == "echo: still here")
            // …an unanswered one closes it.
            var closed = false
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline {
                guard let next = await client.readFrame(timeout: 0.5) else {
                    closed = await client.isClosedByPeer(timeout: 0.1)
                    if closed { break } else { continue }
                }
                #expect(next.opcode == 9)
            }
            #expect(closed)
        }
    }
}
