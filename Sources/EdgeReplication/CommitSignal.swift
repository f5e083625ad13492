import Dispatch
import Foundation
import Synchronization

/// Long polls of the change feed, woken by the store's commits or by their own timeout.
final class CommitSignal: Sendable {
    private struct Waiter {
        var above: UInt64
        var continuation: CheckedContinuation<Bool, Never>
    }
    private let waiters = Mutex<[UInt64: Waiter]>([:])
    private let nextID = Atomic<UInt64>(0)

    func notify(_ sequence: UInt64) {
        let ready = waiters.withLock { all -> [CheckedContinuation<Bool, Never>] in
            let due = all.filter { sequence > $0.value.above }
            for id in due.keys { all.removeValue(forKey: id) }
            return due.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// True when a commit above `sequence` happened within `timeout` seconds. `current` is read
    /// after the waiter is registered, so a commit between the caller's check and the wait is not
    /// missed.
    func wait(above sequence: UInt64, timeout: Double, current: @Sendable () -> UInt64) async -> Bool {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).newValue
        return await withCheckedContinuation { continuation in
            waiters.withLock { $0[id] = Waiter(above: sequence, continuation: continuation) }
            if current() > sequence {
                let waiter = waiters.withLock { $0.removeValue(forKey: id) }
                waiter?.continuation.resume(returning: true)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
                let waiter = waiters.withLock { $0.removeValue(forKey: id) }
                waiter?.continuation.resume(returning: false)
            }
        }
    }
}
