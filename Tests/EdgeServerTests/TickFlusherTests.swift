@testable import EdgeServer
import NIOCore
import NIOEmbedded
import Foundation
import Testing

/// Records what reaches the socket end of the pipeline, and each flush.
private final class WireRecorder: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
    var flushes = 0

    func flush(context: ChannelHandlerContext) {
        flushes += 1
        context.flush()
    }
}

/// Where the test writes from, after the recorder in the pipeline, as `HTTPHandler` sits after the
/// handlers that see its flushes.
private final class Writer: ChannelOutboundHandler, @unchecked Sendable {
    typealias OutboundIn = ByteBuffer
}

@Suite("Runner: answers flushed at the end of an event loop's turn")
struct TickFlusherTests {
    /// Answers written on two connections in one turn reach neither socket during the turn, and both
    /// at its end, with one flush each.
    @Test func writesOfOneTurnAreFlushedTogetherAtItsEnd() throws {
        let loop = EmbeddedEventLoop()
        let flusher = TickFlusher(loop: loop)
        var channels: [(EmbeddedChannel, WireRecorder)] = []
        for _ in 0..<2 {
            let recorder = WireRecorder()
            let channel = EmbeddedChannel(handlers: [recorder, Writer()], loop: loop)
            channels.append((channel, recorder))
        }
        for (index, (channel, _)) in channels.enumerated() {
            let context = try channel.pipeline.syncOperations.context(handlerType: Writer.self)
            context.write(NIOAny(ByteBuffer(string: "answer \(index)")), promise: nil)
            flusher.flushAtEndOfTurn(context)
        }
        for (channel, recorder) in channels {
            #expect(try channel.readOutbound(as: ByteBuffer.self) == nil)
            #expect(recorder.flushes == 0)
        }
        loop.run()
        for (index, (channel, recorder)) in channels.enumerated() {
            #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "answer \(index)"))
            #expect(recorder.flushes == 1)
        }
        // The next turn starts empty: a write after it is flushed at the end of that turn.
        let (channel, recorder) = channels[0]
        let context = try channel.pipeline.syncOperations.context(handlerType: Writer.self)
        context.write(NIOAny(ByteBuffer(string: "again")), promise: nil)
        flusher.flushAtEndOfTurn(context)
        loop.run()
        #expect(try channel.readOutbound(as: ByteBuffer.self) == ByteBuffer(string: "again"))
        #expect(recorder.flushes == 2)
        for (channel, _) in channels { _ = try channel.finish() }
    }

    /// Through the real runner: many keep-alive connections asking at once all get their own answers,
    /// round after round, on the immediate path (answered in the read, flushed at the end of the turn)
    /// and through a task (a flush lost at the end of a turn would leave a client waiting).
    @Test(arguments: ["/now", "/echo"])
    func concurrentKeepAliveConnectionsAllGetTheirAnswers(path: String) async throws {
        try await withRunner { _, port, _ in
            let clients = try (0..<24).map { _ in try RawHTTPClient(port: port) }
            for round in 0..<5 {
                for (index, client) in clients.enumerated() {
                    try client.send("GET \(path)?q=\(round)-\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                }
                for (index, client) in clients.enumerated() {
                    let expected = path == "/now" ? "now \(round)-\(index)" : "GET 0 \(round)-\(index)"
                    #expect(await client.readResponse(timeout: 5)?.text == expected)
                }
            }
        }
    }

    /// A client that sends its requests and shuts its side at once (`nc -N`, some health checkers)
    /// gets every answer, then the connection closes: the FIN arrives in the same read as the
    /// requests, and a close then would drop answers still waiting for the end-of-turn flush.
    @Test(arguments: ["/now", "/echo"])
    func aClientThatShutsItsSideAfterAskingGetsItsAnswers(path: String) async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET \(path)?q=a HTTP/1.1\r\nHost: x\r\n\r\nGET \(path)?q=b HTTP/1.1\r\nHost: x\r\n\r\n")
            client.shutdownWrite()
            let prefix = path == "/now" ? "now" : "GET 0"
            #expect(await client.readResponse()?.text == "\(prefix) a")
            #expect(await client.readResponse()?.text == "\(prefix) b")
            #expect(await client.isClosedByPeer())
        }
    }

    /// In one read: a request answered at once, one still running in a task, then bytes that are not
    /// HTTP. The connection closes without a 400 (a response is under way), but the first answer,
    /// already written, is flushed before the close instead of dropped with it.
    @Test func anAnswerWrittenBeforeAMalformedRequestIsNotLost() async throws {
        try await withRunner { _, port, _ in
            // The middle request is held until the end of the test: still running, whatever the timing.
            let id = UUID().uuidString
            defer { HeldAnswers.release(id) }
            let client = try RawHTTPClient(port: port)
            try client.send("GET /now?q=ok HTTP/1.1\r\nHost: x\r\n\r\nGET /held?id=\(id) HTTP/1.1\r\nHost: x\r\n\r\nNOT HTTP AT ALL\r\n\r\n")
            #expect(await client.readResponse()?.text == "now ok")
            #expect(await client.isClosedByPeer())
        }
    }
}
