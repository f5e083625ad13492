import CLMDB
import Synchronization

/// Read-only transactions kept reset between uses and renewed for the next one.
///
/// The environment is opened with `MDB_NOTLS`, so a transaction is not tied to the thread that began
/// it: any event-loop thread can take one, renew it (tens of nanoseconds), read, copy the bytes out,
/// reset it and hand it back. No read ever waits for the writer.
final class ReadTransactionPool: @unchecked Sendable {
    private let env: OpaquePointer
    private let idle = Mutex<[IdleTransaction]>([])

    /// A reset transaction waiting in the pool; only one thread holds it at a time.
    private struct IdleTransaction: @unchecked Sendable {
        let pointer: OpaquePointer
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
        if let txn = idle.withLock({ $0.popLast() })?.pointer {
            let rc = mdb_txn_renew(txn)
            if rc == 0 { return txn }
            mdb_txn_abort(txn)
        }
        var txn: OpaquePointer?
        try mdbCheck(mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn), "read")
        guard let txn else { throw KVError.storage("read", code: -1) }
        return txn
    }

    private func give(_ txn: OpaquePointer) {
        mdb_txn_reset(txn)
        let kept = idle.withLock { pool -> Bool in
            guard pool.count < maxIdle else { return false }
            pool.append(IdleTransaction(pointer: txn))
            return true
        }
        if !kept { mdb_txn_abort(txn) }
    }

    /// Aborts every idle transaction; called before the environment closes.
    func drain() {
        let all = idle.withLock { pool -> [IdleTransaction] in
            defer { pool.removeAll() }
            return pool
        }
        for txn in all { mdb_txn_abort(txn.pointer) }
    }
}
