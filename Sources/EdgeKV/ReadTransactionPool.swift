import CLMDB
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Read-only transactions kept reset between uses and renewed for the next one.
///
/// The environment is opened with `MDB_NOTLS`, so a transaction is not tied to the thread that began
/// it: any event-loop thread can take one, renew it (tens of nanoseconds), read, copy the bytes out,
/// reset it and hand it back. No read ever waits for the writer.
final class ReadTransactionPool: @unchecked Sendable {
    private let env: OpaquePointer
    private let state = Mutex<State>(State())

    /// A reset transaction waiting in the pool; only one thread holds it at a time.
    private struct IdleTransaction: @unchecked Sendable {
        let pointer: OpaquePointer
    }
    private struct State {
        var idle: [IdleTransaction] = []
        /// Set by `drain()`: the environment is closing, no read may start.
        var closed = false
        /// Reads between `take()` and the end of `give()`.
        var active = 0
    }
    private let maxIdle: Int

    init(env: OpaquePointer, maxIdle: Int) {
        self.env = env
        self.maxIdle = maxIdle
    }

    /// Runs `body` inside a read transaction. `body` must copy out anything it keeps: the memory LMDB
    /// hands out is valid only until the transaction is reset.
    func withTransaction<R>(_ body: (OpaquePointer) throws -> R) throws -> R {
        let txn = try take()
        defer { give(txn) }
        return try body(txn)
    }

    private func take() throws -> OpaquePointer {
        let reused = try state.withLock { state throws(KVError) -> IdleTransaction? in
            if state.closed { throw KVError(operation: "read", status: 503, message: "The store is closed.") }
            state.active += 1
            return state.idle.popLast()
        }
        if let txn = reused?.pointer {
            if mdb_txn_renew(txn) == 0 { return txn }
            mdb_txn_abort(txn)
        }
        var txn: OpaquePointer?
        let rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
        guard rc == 0, let txn else {
            state.withLock { $0.active -= 1 }
            throw KVError.storage("read", code: rc == 0 ? -1 : rc)
        }
        return txn
    }

    private func give(_ txn: OpaquePointer) {
        mdb_txn_reset(txn)
        let kept = state.withLock { state -> Bool in
            guard !state.closed, state.idle.count < maxIdle else { return false }
            state.idle.append(IdleTransaction(pointer: txn))
            state.active -= 1
            return true
        }
        if !kept {
            mdb_txn_abort(txn)
            state.withLock { $0.active -= 1 }
        }
    }

    /// Refuses new reads, waits for those in flight (they take microseconds), then aborts every idle
    /// transaction; called before the environment closes.
    func drain() {
        state.withLock { $0.closed = true }
        while state.withLock({ $0.active }) > 0 { sched_yield() }
        let all = state.withLock { state -> [IdleTransaction] in
            defer { state.idle.removeAll() }
            return state.idle
        }
        for txn in all { mdb_txn_abort(txn.pointer) }
    }
}
