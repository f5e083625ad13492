@testable import EdgeReplication
import EdgeJSON
import EdgeKV
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A loopback listener that accepts connections and closes them at once, counting them: an origin
/// that is up but answers nothing.
private final class RefusingOrigin: @unchecked Sendable {
    /// Accept times, written by the accepting thread.
    private final class Log: @unchecked Sendable {
        let lock = NSLock()
        var times: [Double] = []
    }

    let port: Int
    private let fd: Int32
    private let log = Log()

    init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard listener >= 0, bound == 0, listen(listener, 64) == 0 else { throw POSIXError(.EADDRINUSE) }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        fd = listener
        let log = self.log
        Thread {
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }  // the listener was shut down
                log.lock.lock()
                log.times.append(Date().timeIntervalSince1970)
                log.lock.unlock()
                close(client)
            }
        }.start()
    }

    var connections: [Double] {
        log.lock.lock()
        defer { log.lock.unlock() }
        return log.times
    }

    func stop() {
        shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }
}

@Suite("Replica follower backoff")
struct FollowerBackoffTests {
    /// Each failed attempt waits longer, doubling from the minimum to the cap: over 2.5 s with
    /// 0.1 s doubling to 0.4 s, about 8 attempts — not the thousands a retry loop without a
    /// backoff would make — and the replica says it is disconnected, with the error.
    @Test func failedAttemptsBackOffDoublingToTheCap() async throws {
        let origin = try RefusingOrigin()
        defer { origin.stop() }
        let directory = NSTemporaryDirectory() + "edge-backoff-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var options = KVStoreOptions()
        options.mapSizeBytes = 64 << 20
        options.role = .replica(of: "http://127.0.0.1:\(origin.port)")
        let store = try KVStore(directory: directory, namespaces: ["flags"], options: options)
        defer { store.close() }
        var settings = ReplicaFollower.Settings()
        settings.minBackoffSeconds = 0.1
        settings.maxBackoffSeconds = 0.4
        let follower = ReplicaFollower(store: store, client: try OriginClient(origin: "http://127.0.0.1:\(origin.port)", secret: "s"),
                                       settings: settings, logger: .init(label: "test"))
        follower.start()
        try await Task.sleep(nanoseconds: 2_500_000_000)
        let status = follower.status
        await follower.stop()

        let times = origin.connections
        // A client may open a second connection for one attempt (a retry of the reset request).
        #expect((5...24).contains(times.count), "\(times.count) connections")
        #expect(status["state"] == "disconnected")
        #expect(status["last_error"]?.stringValue?.isEmpty == false)
        // Gaps between attempts grow, and none after the first few is shorter than the cap allows
        // with its ±20% jitter.
        let gaps = zip(times.dropFirst(), times).map { $0 - $1 }.filter { $0 > 0.05 }
        #expect(gaps.count >= 4)
        #expect(gaps.suffix(3).allSatisfy { $0 >= 0.4 * 0.8 - 0.02 }, "\(gaps)")
        #expect(gaps.allSatisfy { $0 <= 0.4 * 1.2 + 0.25 }, "\(gaps)")
    }
}
