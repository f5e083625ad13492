import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A blocking HTTP/1.1 client over a raw socket, so tests control every byte: pipelining,
/// malformed requests, slow senders, half-sent bodies.
final class RawHTTPClient: @unchecked Sendable {
    struct Response: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    struct Failure: Error, CustomStringConvertible { var description: String }

    let fd: Int32
    private var buffer: [UInt8] = []

    /// `source`: the local address to connect from (any of 127/8 on Linux), to be another client.
    init(port: Int, host: String = "127.0.0.1", source: String? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket failed") }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            inet_pton(AF_INET, source, &local.sin_addr)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                Glibc.close(fd)
                throw Failure(description: "bind to \(source) failed: errno \(errno)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, host, &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            Glibc.close(fd)
            throw Failure(description: "connect to \(port) failed: errno \(errno)")
        }
    }

    deinit { Glibc.close(fd) }

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    /// Shuts the sending side (a FIN), as `nc -N` does after its request; reading goes on.
    func shutdownWrite() { _ = Glibc.shutdown(fd, Int32(SHUT_WR)) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { throw Failure(description: "send failed: errno \(errno)") }
            offset += n
        }
    }

    /// Reads more bytes, waiting at most `timeout` seconds; returns false on EOF or timeout.
    private func fill(timeout: Double) -> Bool {
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, Int32(timeout * 1000)) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 65536, 0) }
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<n])
        return true
    }

    var bufferedCount: Int { buffer.count }
    /// What has been read and not taken yet, left in place.
    func peekBuffered() -> [UInt8] { buffer }
    func fillPublic(timeout: Double) -> Bool { fill(timeout: timeout) }
    func takeBuffered(_ count: Int) -> [UInt8] {
        defer { buffer.removeFirst(count) }
        return Array(buffer[0..<count])
    }

    /// How the connection ended once this side has shut its sending half: waits until the socket's
    /// TCP state is CLOSE (the peer acknowledged our FIN, or reset the connection), then returns its
    /// pending error: 0 for an orderly end, ECONNRESET or EPIPE for a reset. nil if not closed in time.
    func endAfterShutdown(timeout: Double = 5) async -> Int32? {
        await offload { () -> Int32? in
            let deadline = Date().addingTimeInterval(timeout)
            while Date() < deadline {
                var info = tcp_info()
                var length = socklen_t(MemoryLayout<tcp_info>.size)
                guard getsockopt(self.fd, Int32(IPPROTO_TCP), TCP_INFO, &info, &length) == 0 else { return nil }
                if Int(info.tcpi_state) == TCP_CLOSE {
                    var error: Int32 = 0
                    var size = socklen_t(MemoryLayout<Int32>.size)
                    _ = getsockopt(self.fd, SOL_SOCKET, SO_ERROR, &error, &size)
                    return error
                }
                usleep(2_000)  // paces the polling of the state; the state is what is awaited
            }
            return nil
        }
    }

    /// True when the server closed the connection (EOF) within `timeout`.
    func isClosedByPeer(timeout: Double = 2) async -> Bool {
        await offload { self.isClosedByPeerBlocking(timeout: timeout) }
    }

    func isClosedByPeerBlocking(timeout: Double) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 100) > 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 4096, 0) }
            if n <= 0 { return true }
            buffer.append(contentsOf: chunk[0..<n])
        }
        return false
    }

    /// Reads one whole response (Content-Length or chunked), or nil when none arrives in time.
    func readResponse(timeout: Double = 5, headRequest: Bool = false) async -> Response? {
        await offload { self.readResponseBlocking(timeout: timeout, headRequest: headRequest) }
    }

    func readResponseBlocking(timeout: Double, headRequest: Bool) -> Response? {
        let deadline = Date().addingTimeInterval(timeout)
        func more() -> Bool { fill(timeout: max(0.01, deadline.timeIntervalSinceNow)) }
        var headEnd: Int?
        while headEnd == nil {
            headEnd = find([13, 10, 13, 10])
            if headEnd == nil && !more() { return nil }
        }
        let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        buffer.removeFirst(headEnd! + 4)
        var body: [UInt8] = []
        if headRequest {
            return Response(status: status, headers: headers, body: [])
        } else if let length = headers["content-length"].flatMap(Int.init) {
            while buffer.count < length { if !more() { return nil } }
            body = Array(buffer[0..<length])
            buffer.removeFirst(length)
        } else if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                var lineEnd = find([13, 10])
                while lineEnd == nil { if !more() { return nil }; lineEnd = find([13, 10]) }
                let sizeText = String(decoding: buffer[0..<lineEnd!], as: UTF8.self)
                guard let size = Int(sizeText, radix: 16) else { return nil }
                buffer.removeFirst(lineEnd! + 2)
                while buffer.count < size + 2 { if !more() { return nil } }
                body.append(contentsOf: buffer[0..<size])
                buffer.removeFirst(size + 2)
                if size == 0 { break }
            }
        }
        return Response(status: status, headers: headers, body: body)
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard buffer.count >= needle.count else { return nil }
        for i in 0...(buffer.count - needle.count) where buffer[i] == needle[0] {
            if Array(buffer[i..<(i + needle.count)]) == needle { return i }
        }
        return nil
    }
}

/// Runs blocking socket work on a thread of its own: blocking a thread of Swift's small cooperative
/// pool would starve the very server tasks the test is waiting for.
func offload<T>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.start()
    }
}

/// WebSocket framing over a `RawHTTPClient`'s socket, as a browser would speak it (masked frames).
extension RawHTTPClient {
    struct Frame: Equatable {
        var fin: Bool
        var opcode: UInt8
        var payload: [UInt8]
        var text: String { String(decoding: payload, as: UTF8.self) }
        /// The status code of a close frame.
        var closeCode: Int? { opcode == 8 && payload.count >= 2 ? Int(payload[0]) << 8 | Int(payload[1]) : nil }
    }

    static let exampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

    func sendUpgrade(path: String, key: String = exampleKey, version: String = "13", extra: String = "") throws {
        try send("GET \(path) HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                 + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: \(version)\r\n\(extra)\r\n")
    }

    func sendFrame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) throws {
        try send(Self.frame(opcode: opcode, payload, fin: fin, masked: masked))
    }

    /// A client frame's bytes on the wire.
    static func frame(opcode: UInt8, _ payload: [UInt8], fin: Bool = true, masked: Bool = true) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let maskBit: UInt8 = masked ? 0x80 : 0
        if payload.count < 126 {
            bytes.append(maskBit | UInt8(payload.count))
        } else if payload.count <= 0xFFFF {
            bytes.append(maskBit | 126)
            bytes += [UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        } else {
            bytes.append(maskBit | 127)
            bytes += (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        if masked {
            let mask: [UInt8] = [0x12, 0x34, 0x56, 0x78]
            bytes += mask
            bytes += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        } else {
            bytes += payload
        }
        return bytes
    }

    func sendText(_ text: String) throws { try sendFrame(opcode: 1, Array(text.utf8)) }

    /// The next frame from the server, or nil when none arrives in time.
    func readFrame(timeout: Double = 3) async -> Frame? {
        await offload { self.readFrameBlocking(timeout: timeout) }
    }

    /// The bytes still unread after the handshake head.
    func readRaw(count: Int, timeout: Double) -> [UInt8]? {
        let deadline = Date().addingTimeInterval(timeout)
        while bufferedCount < count {
            if !fillPublic(timeout: max(0.01, deadline.timeIntervalSinceNow)) { return nil }
        }
        return takeBuffered(count)
    }

    private func readFrameBlocking(timeout: Double) -> Frame? {
        guard let head = readRaw(count: 2, timeout: timeout) else { return nil }
        var length = Int(head[1] & 0x7F)
        if length == 126 {
            guard let ext = readRaw(count: 2, timeout: timeout) else { return nil }
            length = Int(ext[0]) << 8 | Int(ext[1])
        } else if length == 127 {
            guard let ext = readRaw(count: 8, timeout: timeout) else { return nil }
            length = ext.reduce(0) { $0 << 8 | Int($1) }
        }
        guard let payload = length == 0 ? [] : readRaw(count: length, timeout: timeout) else { return nil }
        return Frame(fin: head[0] & 0x80 != 0, opcode: head[0] & 0x0F, payload: payload)
    }
}
