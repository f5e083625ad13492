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
    /// The delays alone: doubling from the minimum to the cap, each within ±20% jitter, and back
    /// to the minimum after a success.
    @Test func backoffDoublesToTheCapAndResets() {
        var backoff = Backoff(minimum: 0.1, maximum: 0.4)
        let delays = (0..<6).map { _ in backoff.next() }
        let nominal = [0.1, 0.2, 0.4, 0.4, 0.4, 0.4]
        for (delay, expected) in zip(delays, nominal) {
            #expect(delay >= expected * 0.8 && delay <= expected * 1.2, "\(delays)")
        }
        backoff.reset()
        let first = backoff.next()
        #expect(first >= 0.08 && first <= 0.12)
    }

    /// Against an origin that accepts and closes every connection, each failed attempt waits longer,
    /// doubling from the minimum to the cap — not the hundreds a retry loop without a backoff
    /// would make — and the replica says it is disconnected, with the error. Driven by attempts, not
    /// by a window of wall time: a loaded machine only makes the gaps longer, never shorter. The
    /// attempts are the follower's own (`failed_attempts`): the HTTP client may open more than one
    /// connection for one attempt, so connections are not attempts.
    @Test func failedAttemptsAgainstAClosingOriginBackOff() async throws {
        let origin = try RefusingOrigin()
        defer { origin.stop() }
        let (store, directory) = try makeReplicaStore(of: "http://127.0.0.1:\(origin.port)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        defer { store.close() }
        var settings = ReplicaFollower.Settings()
        settings.minBackoffSeconds = 0.1
        settings.maxBackoffSeconds = 0.4
        let follower = ReplicaFollower(store: store, client: try OriginClient(origin: "http://127.0.0.1:\(origin.port)", secret: "s"),
                                       settings: settings, logger: .init(label: "test"))
        follower.start()
        // Six attempts take about 0.1+0.2+0.4·3 = 1.5 s of backoff; the deadline is for a loaded machine.
        let deadline = Date().addingTimeInterval(60)
        var status = follower.status
        while Date() < deadline && (status["failed_attempts"]?.doubleValue ?? 0) < 6 {
            try await Task.sleep(nanoseconds: 20_000_000)
            status = follower.status
        }
        let failures = follower.recentFailureTimes
        let connections = origin.connections.count
        await follower.stop()

        #expect(failures.count >= 6, "\(failures.count) failed attempts in 60 s")
        #expect(connections >= failures.count)
        #expect(status["state"] == "disconnected")
        #expect(status["last_error"]?.stringValue?.isEmpty == false)
        // Between two failures lies at least the backoff (jitter −20%), growing from the minimum
        // to the cap; the times are the follower's own, taken as each attempt failed.
        let gaps = zip(failures.dropFirst(), failures).map { $0 - $1 }
        let nominal = [0.1, 0.2, 0.4, 0.4, 0.4]
        for (gap, backoff) in zip(gaps, nominal) {
            #expect(gap >= backoff * 0.8 - 0.005, "\(gaps)")
        }
    }
}
