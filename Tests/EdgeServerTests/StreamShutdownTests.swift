import EdgeWorker
@testable import EdgeServer
import Foundation
import NIOPosix
import Synchronization
import Testing

/// A streamed body (server-sent events) has no end of its own: a shutdown must end it, as it ends
/// a WebSocket with 1001, instead of waiting out the grace period with the listener closed.
@Suite("Runner: shutdown ends streamed bodies", .serialized)
struct StreamShutdownTests {
    @Test func shutdownEndsAnOpenStreamCleanlyAndAtOnce() async throws {
        StreamProbe.ended.store(false, ordering: .relaxed)
        var settings = ServerSettings()
        settings.port = 0
        settings.accessLog = "off"
        settings.shutdownGraceSeconds = 10
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = EdgeServer(worker: ProbeWorker(finishedBackgroundWork: Flag()), env: Env(), settings: settings, group: group)
        let port = try await server.start()
        let client = try RawHTTPClient(port: port)
        try client.send("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
        // The head and the first event are on the wire: the stream is open.
        let opened = await offload { () -> Bool in
            while !String(decoding: client.peekBuffered(), as: UTF8.self).contains("connected") {
                if !client.fillPublic(timeout: 5) { return false }
            }
            return true
        }
        #expect(opened)

        let started = Date()
        await server.shutdown()
        let took = Date().timeIntervalSince(started)
        try await group.shutdownGracefully()

        // Within a second of a 10 s grace period, and the body ended with its last chunk.
        #expect(took < 1, "shutdown took \(took) s")
        #expect(await client.isClosedByPeer(timeout: 1))
        let received = String(decoding: client.peekBuffered(), as: UTF8.self)
        #expect(received.contains("connected"))
        #expect(received.hasSuffix("\r\n0\r\n\r\n"))
        let producerSawTheEnd = StreamProbe.ended.load(ordering: .relaxed)
        #expect(producerSawTheEnd)
    }
}
