import EdgeServer
import Foundation
import Synchronization
import Testing

@Suite("Runner: WebSocket upgrade and framing (RFC 6455)", .serialized)
struct WebSocketTests {
    func connect(_ port: Int, path: String = "/ws") async throws -> RawHTTPClient {
        let client = try RawHTTPClient(port: port)
        try client.sendUpgrade(path: path)
        let response = try #require(await client.readResponse())
        #expect(response.status == 101)
        #expect(response.headers["sec-websocket-accept"] == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        #expect(response.headers["upgrade"]?.lowercased() == "websocket")
        #expect(await client.readFrame()?.text == "hello")
        return client
    }

    @Test func handshakeEchoAndServerPush() async throws {
        try await withRunner { _, port, _ in
            let client = try await connect(port)
            try client.sendText("hi")
            #expect(await client.readFrame() == .init(fin: true, opcode: 1, payload: Array("echo: hi".utf8)))
            try client.sendText("push")
            #expect(await client.readFrame()?.text == "pushed")
        }
    }

    @Test func fragmentedMessagesAreReassembledAndPingsAnswered() async throws {
        try await withRunner { _, port, _ in
            let client = try await connect(port)
            try client.sendFrame(opcode: 1, Array("frag".utf8), fin: false)
            try client.sendFrame(opcode: 9, Array("p".utf8))  // a ping between fragments is allowed
            try client.sendFrame(opcode: 0, Array("mented".utf8), fin: true)
            #expect(await client.readFrame() == .init(fin: true, opcode: 10, payload: Array("p".utf8)))
            #expect(await client.readFrame()?.text == "echo: fragmented")
        }
    }

    @Test func closeHandshakeEndsTheSessionOnce() async throws {
        try await withRunner { _, port, _ in
            let session = UUID().uuidString
            let client = try await connect(port, path: "/ws?session=\(session)")
            try client.sendFrame(opcode: 8, [0x03, 0xE8])
            #expect(await client.readFrame()?.closeCode == 1000)
            #expect(await client.isClosedByPeer())
            // The session's task calls onClose after the connection ends: wait until it has.
            #expect(await eventually { WebSocketProbe.closes(of: session) >= 1 }, "onClose never ran")
            #expect(WebSocketProbe.closes(of: session) == 1)
        }
    }

    @Test func serverInitiatedCloseSends1000() async throws {
        try await withRunner { _, port, _ in
            let client = try await connect(port)
            try client.sendText("bye")
            #expect(await client.readFrame()?.closeCode == 1000)
        }
    }

    @Test func protocolViolationsCloseWithTheirCodes() async throws {
        try await withRunner { _, port, _ in
            let unmasked = try await connect(port)
            try unmasked.sendFrame(opcode: 1, Array("x".utf8), masked: false)
            #expect(await unmasked.readFrame()?.closeCode == 1002)
            // Having started the close, the server hangs up by itself (after at most its linger).
            #expect(await unmasked.isClosedByPeer())

            let binary = try await connect(port)
            try binary.sendFrame(opcode: 2, [1, 2, 3])
            #expect(await binary.readFrame()?.closeCode == 1003)

            let invalidUTF8 = try await connect(port)
            try invalidUTF8.sendFrame(opcode: 1, [0xC3, 0x28])
            #expect(await invalidUTF8.readFrame()?.closeCode == 1007)

            // Refused by its header while the rest is still arriving: the server reads and drops the
            // rest instead of resetting the connection, so the whole frame is sent and the close
            // frame is not destroyed by a reset before it is read.
            let huge = try await connect(port)
            try huge.sendFrame(opcode: 1, [UInt8](repeating: 0x61, count: (1 << 20) + 10))
            #expect(await huge.readFrame()?.closeCode == 1009)
            #expect(await huge.isClosedByPeer())
        }
    }

    @Test func aFrameRefusedByItsHeaderIsReadToItsEndNotReset() async throws {
        try await withRunner { _, port, _ in
            let client = try await connect(port)
            let frame = RawHTTPClient.frame(opcode: 1, [UInt8](repeating: 0x61, count: (1 << 20) + 10))
            try client.send(Array(frame[..<65_536]))
            #expect(await client.readFrame()?.closeCode == 1009)
            // The server has answered; the rest of the frame still goes through, read and dropped:
            // data reaching a socket the server had closed would be answered with a reset, which
            // fails this send or is pending on the socket once the connection is over.
            try client.send(Array(frame[65_536...]))
            client.shutdownWrite()
            // (The socket's state first: a read would take the pending error of a reset off it.)
            #expect(await client.endAfterShutdown() == 0, "the server reset the connection")
            #expect(await client.isClosedByPeer())
        }
    }

    @Test func badHandshakesAreRefused() async throws {
        try await withRunner { _, port, _ in
            let noKey = try RawHTTPClient(port: port)
            try noKey.sendUpgrade(path: "/ws", key: "short")
            #expect(await noKey.readResponse()?.status == 400)
            // A refused upgrade ends the connection (WebSocket clients report failure on the close).
            #expect(await noKey.isClosedByPeer())

            let version = try RawHTTPClient(port: port)
            try version.sendUpgrade(path: "/ws", version: "8")
            let refused = await version.readResponse()
            #expect(refused?.status == 426)
            #expect(refused?.headers["sec-websocket-version"] == "13")
            #expect(await version.isClosedByPeer())

            let plain = try RawHTTPClient(port: port)
            try plain.send("GET /ws HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = await plain.readResponse()
            #expect(response?.status == 400)
            #expect(response?.text.contains("\"code\"") == true)
            // The connection still serves HTTP afterwards.
            try plain.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await plain.readResponse()?.text == "hello")
        }
    }

    @Test func framesSentRightAfterTheUpgradeRequestAreNotLost() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.sendUpgrade(path: "/ws")
            try client.sendText("early")
            #expect(await client.readResponse()?.status == 101)
            #expect(await client.readFrame()?.text == "hello")
            #expect(await client.readFrame()?.text == "echo: early")
        }
    }
}
