import Synchronization

/// The per-request context of a Worker: `waitUntil` runs work after the response is sent.
public struct ExecutionContext: Sendable {
    let tracker: BackgroundWork

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
    private let state = Mutex<(running: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    public init() {}

    public var running: Int { state.withLock { $0.running } }

    public func start(_ work: @escaping @Sendable () async -> Void) {
        state.withLock { $0.running += 1 }
        Task {
            await work()
            let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.running -= 1
                guard s.running == 0 else { return [] }
                defer { s.waiters.removeAll() }
                return s.waiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }

    /// Waits until no work is running, or `timeout` seconds pass. Returns whether all finished.
    @discardableResult
    public func drain(timeout: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let done = self.state.withLock { s -> Bool in
                        if s.running == 0 { return true }
                        s.waiters.append(continuation)
                        return false
                    }
                    if done { continuation.resume() }
                }
                return true
            }
            group.addTask {
                try? await Task.sleep(nanoseconds: UInt64(timeout * 1e9))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            if !first {
                // Release the waiter so the group can finish; the work itself is abandoned.
                let waiters = self.state.withLock { s -> [CheckedContinuation<Void, Never>] in
                    defer { s.waiters.removeAll() }
                    return s.waiters
                }
                for waiter in waiters { waiter.resume() }
            }
            return first
        }
    }
}
