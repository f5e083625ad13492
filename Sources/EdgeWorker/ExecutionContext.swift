import Dispatch
import Synchronization

/// The per-request context of a Worker: `waitUntil` runs work after the response is sent.
public struct ExecutionContext: Sendable {
    let tracker: BackgroundWork

    /// A context whose `waitUntil` work is counted by `tracker` (the runner's, or a harness's).
    public init(tracker: BackgroundWork) {
        self.tracker = tracker
    }

    /// Runs `work` after (or while) the response is sent; the runner drains it on shutdown, within
    /// a time limit.
    public func waitUntil(_ work: @escaping @Sendable () async -> Void) {
        tracker.start(work)
    }
}

/// Work started with `waitUntil`, counted so that a shutdown can wait for it.
public final class BackgroundWork: Sendable {
    private struct State {
        var running = 0
        var nextWaiter: UInt64 = 0
        /// Drains waiting for `running` to reach 0, by id, so each is resumed exactly once: by the
        /// last finishing work (true) or by its own timeout (false), never by another drain's.
        var waiters: [UInt64: CheckedContinuation<Bool, Never>] = [:]
    }

    private let state = Mutex(State())

    /// No work running yet.
    public init() {}

    /// Work started and not yet finished.
    public var running: Int { state.withLock { $0.running } }

    /// Drains waiting right now (not yet resumed): tests wait for this instead of sleeping.
    var waitingDrains: Int { state.withLock { $0.waiters.count } }

    /// Starts `work` in a task of its own and counts it until it finishes.
    public func start(_ work: @escaping @Sendable () async -> Void) {
        state.withLock { $0.running += 1 }
        Task {
            await work()
            let waiters = state.withLock { s -> [CheckedContinuation<Bool, Never>] in
                s.running -= 1
                guard s.running == 0 else { return [] }
                defer { s.waiters.removeAll() }
                return Array(s.waiters.values)
            }
            for waiter in waiters { waiter.resume(returning: true) }
        }
    }

    /// Waits until no work is running, or `timeout` seconds pass. Returns whether all finished;
    /// work still running at the timeout is abandoned (it keeps running, unawaited).
    @discardableResult
    public func drain(timeout: Double) async -> Bool {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        let nanoseconds = UInt64(min(max(timeout.isNaN ? 0 : timeout, 0), 1e9) * 1e9)
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            // nil: wait; otherwise the answer right now (idle, or nothing to wait for with no time).
            let immediate = state.withLock { s -> Bool? in
                if s.running == 0 { return true }
                if nanoseconds == 0 { return false }
                s.waiters[id] = continuation
                return nil
            }
            if let immediate {
                continuation.resume(returning: immediate)
                return
            }
            // A Dispatch timer, not a sleeping task: the deadline must hold even when the cooperative
            // pool is busy (shutdown is exactly when it may be).
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(nanoseconds))) {
                let waiter = self.state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: false)
            }
        }
    }
}
