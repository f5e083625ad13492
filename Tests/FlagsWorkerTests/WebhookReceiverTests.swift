import Crypto
import EdgeJSON
import EdgeServer
import EdgeWorker
@testable import FlagsWorker
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A one-thread HTTP receiver on a loopback port: answers each request with the next status of
/// `statuses` (200 once they run out) and keeps what it received.
final class LocalReceiver: @unchecked Sendable {
    struct Received: Sendable {
        var head: String
        var body: [UInt8]
        func header(_ name: String) -> String? {
            for line in head.split(separator: "\r\n") {
                let parts = line.split(separator: ":", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                    return parts[1].trimmingCharacters(in: .whitespaces)
                }
            }
            return nil
        }
    }

    let port: Int
    private let listener: Int32
    private let state = Mutex<(statuses: [Int], received: [Received])>(([], []))

    var received: [Received] { state.withLock { $0.received } }

    init(statuses: [Int]) throws {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = listener
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Bool in
                bind(fd, sa, length) == 0 && listen(fd, 16) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else { throw TestFailure("cannot listen on loopback") }
        port = Int(UInt16(bigEndian: address.sin_port))
        state.withLock { $0.statuses = statuses }
        Thread { [self] in serve() }.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func serve() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { return }
            var buffer: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            var request: Received?
            while request == nil {
                let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, 65536, 0) }
                guard n > 0 else { break }
                buffer += chunk[0..<n]
                guard let end = buffer.firstRange(of: [13, 10, 13, 10]) else { continue }
                let head = String(decoding: buffer[..<end.lowerBound], as: UTF8.self)
                let partial = Received(head: head, body: [])
                let length = Int(partial.header("content-length") ?? "0") ?? 0
                if buffer.count - end.upperBound >= length {
                    request = Received(head: head, body: Array(buffer[end.upperBound..<(end.upperBound + length)]))
                }
            }
            if let request {
                let status = state.withLock { s -> Int in
                    s.received.append(request)
                    return s.statuses.isEmpty ? 200 : s.statuses.removeFirst()
                }
                let reply = Array("HTTP/1.1 \(status) X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
                _ = reply.withUnsafeBytes { send(client, $0.baseAddress, reply.count, Int32(MSG_NOSIGNAL)) }
            }
            close(client)
        }
    }
}

@Suite("EdgeFlags §7: webhooks to a real receiver")
struct WebhookReceiverTests {
    @Test func deliveredOverHTTPWithAVerifiedSignatureAndRetriedAfterAFailure() async throws {
        let receiver = try LocalReceiver(statuses: [500])
        defer { receiver.stop() }
        let delivery = WebhookDelivery(fetch: OutboundFetcher.fetch, allowPrivate: true, sleep: { _ in })
        let target = WebhookTarget(id: "wh_1", url: "http://127.0.0.1:\(receiver.port)/hooks", events: ["flag.updated"],
                                   secret: "topsecret")
        await delivery.deliver(event: "flag.updated", resource: "dark_mode", environment: "production",
                               data: ["key": "dark_mode", "enabled": true], timestamp: "2026-01-15T10:30:00.000Z",
                               to: [target])
        let received = receiver.received
        #expect(received.count == 2)  // a 500, then the retry that succeeded
        let last = try #require(received.last)
        #expect(last.head.hasPrefix("POST /hooks HTTP/1.1"))
        let expected = HMAC<SHA256>.authenticationCode(for: last.body, using: SymmetricKey(data: Array("topsecret".utf8)))
        #expect(last.header("X-Webhook-Signature") == expected.map { String(format2: $0) }.joined())
        #expect(last.header("X-Webhook-Event") == "flag.updated")
        let body = try JSONValue.parse(last.body)
        #expect(body == ["event": "flag.updated", "resource": "dark_mode", "environment": "production",
                         "data": ["key": "dark_mode", "enabled": true], "timestamp": "2026-01-15T10:30:00.000Z"])
        #expect(received.first?.body == last.body)
    }
}
