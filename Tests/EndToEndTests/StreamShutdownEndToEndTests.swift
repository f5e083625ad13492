import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// SIGTERM while a server-sent event stream is open: the real binary ends the stream and exits at
/// once, instead of waiting out `shutdown_grace_seconds` with its listener already closed.
@Suite("End to end: shutdown with an event stream open", .serialized)
struct StreamShutdownEndToEndTests {
    /// A connection that reads with a deadline, over a plain socket: what arrives, and whether the
    /// server closed it.
    final class StreamReader: @unchecked Sendable {
        let fd: Int32
        var received: [UInt8] = []
        var closed = false

        init(port: Int, request: String) throws {
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
            let rc = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard rc == 0 else { throw EdgeworkerBinary.Failure(description: "connect failed: errno \(errno)") }
            let bytes = Array(request.utf8)
            _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress!, bytes.count, Int32(MSG_NOSIGNAL)) }
        }

        deinit { Glibc.close(fd) }

        var text: String { String(decoding: received, as: UTF8.self) }

        /// Reads until `done` holds for what arrived, the server closes, or `timeout` passes.
        func read(timeout: Double, until done: (String) -> Bool) -> Bool {
            let deadline = Date().addingTimeInterval(timeout)
            while !done(text) && !closed && Date() < deadline {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&pfd, 1, 50) > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
                if n <= 0 { closed = true } else { received += chunk[0..<n] }
            }
            return done(text)
        }
    }

    @Test func sigtermWithAnEventStreamOpenExitsWithinASecond() async throws {
        let flow = FeatureSignalsFlowTests()
        let (dir, server, base) = try flow.serve()
        defer { flow.stop(dir, server) }
        let registered = try await flow.http("POST", base + "/v1/auth/register",
                                             body: #"{"email":"ann@acme.io","password":"correct-horse","name":"Ann","org_name":"Acme"}"#)
        let access = try #require(registered.json["tokens"]?["access_token"]?.stringValue)
        let project = try #require(try await flow.http("GET", base + "/v1/projects", bearer: access).json.arrayValue?.first?["id"]?.stringValue)
        let environments = try await flow.http("GET", base + "/v1/projects/\(project)/environments", bearer: access)
        let production = try #require(environments.json.arrayValue?.first { $0["slug"] == "production" }?["id"]?.stringValue)
        let key = try #require(try await flow.http("POST", base + "/v1/environments/\(production)/api-keys", bearer: access,
                                                   body: #"{"name":"sse"}"#).json["key"]?.stringValue)
        let port = try #require(Int(base.split(separator: ":").last ?? ""))

        let reader = try StreamReader(port: port, request: "GET /v1/stream/production HTTP/1.1\r\nHost: x\r\nX-API-Key: \(key)\r\n\r\n")
        let connected = await Task.detached { reader.read(timeout: 10) { $0.contains("event: connected") } }.value
        try #require(connected, "no connected event: \(reader.text)")

        let started = Date()
        server.terminate()  // SIGTERM
        // The stream ends at once: its last chunk, then the connection closed.
        _ = await Task.detached { reader.read(timeout: 4) { _ in false } }.value
        let streamEnded = Date().timeIntervalSince(started)
        #expect(reader.closed && streamEnded < 3, "the stream ended \(streamEnded) s after SIGTERM")
        #expect(reader.text.hasSuffix("\r\n0\r\n\r\n"), "\(reader.text)")
        // And serve exits without waiting out shutdown_grace_seconds (5 in this config) for the
        // stream: within a second alone, a little more beside the other end-to-end suites.
        let exited = await server.waitForExit(seconds: 4)
        let took = Date().timeIntervalSince(started)
        #expect(exited && took < 3, "serve took \(took) s to exit after SIGTERM")
    }
}
