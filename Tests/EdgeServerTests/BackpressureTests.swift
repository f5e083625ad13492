@testable import EdgeServer
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The resident set of this process (`VmRSS` of /proc/self/status), in bytes: the runner under test
/// runs in it.
func residentBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
          let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
    return kilobytes * 1024
}

extension RawHTTPClient {
    /// Sends `chunk` over and over until `limit` bytes are sent or the socket takes nothing for
    /// `stall` seconds (the server stopped reading); returns the bytes sent. Never reads.
    func sendUntilStalled(_ chunk: [UInt8], limit: Int, stall: Double) -> Int {
        var timeout = timeval(tv_sec: Int(stall), tv_usec: Int((stall - Double(Int(stall))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < limit {
            let n = chunk.withUnsafeBytes { Glibc.send(fd, $0.baseAddress!, chunk.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        return sent
    }
}

/// A client that sends requests and never reads the answers: its connection must cost the server a
/// bounded buffer (`[server] max_unsent_bytes`), not whatever it manages to send.
@Suite("Runner: write backpressure", .serialized)
struct BackpressureTests {
    /// 8 KB answers to 30-byte requests: unbounded, one read's worth of requests is hundreds of MB.
    static let request = Array("GET /big HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
    static let burst = Array((0..<2048).map { _ in request }.joined())

    @Test func aClientThatPipelinesAndNeverReadsKeepsMemoryBoundedAndOthersAnswered() async throws {
        try await withRunner({ settings in
            settings.trustedProxies = []
            settings.maxUnsentBytes = 64 * 1024
        }) { server, port, _ in
            let before = residentBytes()
            var hostile: RawHTTPClient? = try RawHTTPClient(port: port)
            // A debug build under load can take seconds over one read's requests: a stall is 3 s.
            let limit = 24 << 20
            let sent = await offload { [hostile] in hostile!.sendUntilStalled(Self.burst, limit: limit, stall: 3) }
            let during = residentBytes()

            // Others are answered meanwhile, on the same event loop.
            let honest = try RawHTTPClient(port: port, source: "127.0.0.2")
            try honest.send("GET /now?q=honest HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await honest.readResponse()?.text == "now honest")

            // The server stopped taking requests once its answers were not taken (it holds the
            // connection, or closed it once more than maxBacklog requests came in one read).
            #expect(sent < limit)
            // Loose: other suites run in this process meanwhile. The real binary's own resident set
            // is measured in BackpressureEndToEndTests.
            #expect(during - before < 384 << 20, "RSS grew by \(during - before) bytes (1.8 GB without backpressure)")

            hostile = nil
            #expect(await eventually { server.openConnections == 1 })
            let after = residentBytes()
            print("backpressure: RSS before \(before >> 10) KB, during \(during >> 10) KB (\(sent >> 10) KB sent), after \(after >> 10) KB")
        }
    }

    @Test func aClientThatStopsReadingIsClosedAfterTheIdleTimeout() async throws {
        try await withRunner({ settings in
            settings.trustedProxies = []
            settings.maxUnsentBytes = 16 * 1024
            settings.idleTimeoutSeconds = 0.5
        }) { server, port, _ in
            let hostile = try RawHTTPClient(port: port)
            _ = await offload { hostile.sendUntilStalled(Self.burst, limit: 24 << 20, stall: 3) }
            // Requests wait unanswered behind the unread answers; the connection is closed anyway.
            #expect(await eventually(timeout: 10) { server.openConnections == 0 })
        }
    }
}
