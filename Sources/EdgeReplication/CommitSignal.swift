import Dispatch
import Foundation
import Synchronization

/// Long polls of the change feed, woken by the store's commits, by their own timeout, or by the
/// node shutting down.
final class CommitSignal: Sendable {
    private struct Waiter {
        var above: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }
    private struct State {
        var waiters: [UInt64: Waiter] = [:]
        var nextID: UInt64 = 0
        /// Set by `releaseAll`: no poll waits any more.
        var released = false
    }
    private let state = Mutex(State())

    /// Polls waiting right now: tests wait for this instead of sleeping.
    var waiting: Int { state.withLock { $0.waiters.count } }

    func notify(_ sequence: UInt64) {
        let ready = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            let due = s.waiters.filter { sequence > $0.value.above }
            for id in due.keys { s.waiters.removeValue(forKey: id) }
            return due.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// Answers every waiting poll now (with whatever there is): a node shutting down should not keep
    /// its replicas' long polls, and so its own shutdown, waiting out their timeouts. Later waits
    /// return at once.
    func releaseAll() {
        let all = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
            s.released = true
            defer { s.waiters.removeAll() }
            return s.waiters.values.map(\.continuation)
        }
        for continuation in all { continuation.resume(returning: false) }
    }

    /// True when a commit above `sequence` happened within `timeout` seconds. `current` is read
    /// after the waiter is registered, so a commit between the caller's check and the wait is not
    /// missed.
    func wait(above sequence: UInt64, timeout: Double, current: @Sendable () -> UInt64) async -> Bool {
        await withCheckedContinuation { continuation in
            let id = state.withLock { s -> UInt64? in
                guard !s.released else { return nil }
                s.nextID += 1
                s.waiters[s.nextID] = Waiter(above: sequence, continuation: continuation)
                return s.nextID
            }
            guard let id else {
                continuation.resume(returning: false)
                return
            }
            if current() > sequence {
                state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: true)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
                state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume(returning: false)
            }
        }
    }
}
