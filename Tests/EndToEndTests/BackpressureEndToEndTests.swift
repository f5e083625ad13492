import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A client that pipelines requests and never reads the answers, against the real binary: the
/// server's resident set stays within a bound while it does, other clients are answered, and the
/// memory goes back after it leaves.
@Suite("End to end: a client that never reads", .serialized)
struct BackpressureEndToEndTests {
    /// `VmRSS` of process `pid`, in bytes.
    static func residentBytes(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) else { return 0 }
        return kilobytes * 1024
    }

    static func connect(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { throw EdgeworkerBinary.Failure(description: "connect failed: errno \(errno)") }
        return fd
    }

    /// Sends pipelined `GET /health` until `limit` bytes are sent or the socket takes nothing for
    /// `stall` seconds (the server stopped reading); never reads. Returns the bytes sent.
    static func pipelineWithoutReading(fd: Int32, limit: Int, stall: Int) -> Int {
        let burst = Array(String(repeating: "GET /health HTTP/1.1\r\nHost: e2e\r\n\r\n", count: 2048).utf8)
        var timeout = timeval(tv_sec: stall, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var sent = 0
        while sent < limit {
            let n = burst.withUnsafeBytes { send(fd, $0.baseAddress!, burst.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { break }
            sent += n
        }
        return sent
    }

    @Test func theServersMemoryStaysBoundedAndComesBack() async throws {
        let dir = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (server, port) = try EdgeworkerBinary.serve(in: dir)
        defer {
            server.terminate()
            server.waitUntilExit()
        }
        let pid = server.processIdentifier
        #expect(try curl(["http://127.0.0.1:\(port)/health"]).contains("ok"))
        let before = Self.residentBytes(of: pid)

        // 24 MB of requests: unbounded, their answers alone would be over 100 MB.
        let limit = 24 << 20
        let hostile = try Self.connect(port: port)
        let sent = await Task.detached { Self.pipelineWithoutReading(fd: hostile, limit: limit, stall: 3) }.value
        let during = Self.residentBytes(of: pid)
        // Others are answered meanwhile.
        let answered = try curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/health"])
        close(hostile)

        // Back near where it started once the client is gone (the runner trims the heap).
        var after = Self.residentBytes(of: pid)
        let deadline = Date().addingTimeInterval(15)
        while after > before + (8 << 20) && Date() < deadline {
            try await Task.sleep(for: .milliseconds(100))
            after = Self.residentBytes(of: pid)
        }
        print("backpressure (real binary): RSS before \(before >> 10) KB, during \(during >> 10) KB with \(sent >> 10) KB sent, after \(after >> 10) KB")
        #expect(sent < limit, "the server read all \(sent) bytes")
        #expect(during - before < 16 << 20, "RSS grew by \((during - before) >> 10) KB")
        #expect(answered == "200")
        #expect(after - before < 8 << 20, "RSS stayed \((after - before) >> 10) KB above its start")
    }
}
