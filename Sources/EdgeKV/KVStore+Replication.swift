import CLMDB
import Foundation

/// What the origin side serves (the change log, snapshots) and what a replica does with it (apply
/// changes, install snapshots), all at the level of the store: the application never knows.
extension KVStore {
    /// The mutations after `sequence`, in order, at most `limit` of them.
    ///
    /// Throws a 410 when the log no longer reaches back to `sequence + 1` (trimmed by count or
    /// age, or cleared by a snapshot install), when `sequence` is ahead of this store, and when
    /// `history` (the caller's record of this store's history) is not this store's: the store was
    /// restored from a backup since, and its sequences count again from the backup's. Every time,
    /// the caller must take a new snapshot.
    public func changes(after sequence: UInt64, limit: Int = 1000, history: String? = nil) throws -> KVChangePage {
        if let history, history != self.history {
            throw KVError(operation: "changes", status: 410,
                          message: "This store was restored from a snapshot since history \(history) (now \(self.history)); take a new snapshot.")
        }
        return try readers.withTransaction { txn in
            let latest = Self.readUInt64(txn: txn, dbi: metaDBI, key: Self.sequenceKey) ?? 0
            if sequence == latest { return KVChangePage(changes: [], latest: latest) }
            guard sequence < latest else {
                throw KVError(operation: "changes", status: 410,
                              message: "Sequence \(sequence) is ahead of this store (\(latest)): it was reset or restored; take a new snapshot.")
            }
            var cursorPointer: OpaquePointer?
            try mdbCheck(mdb_cursor_open(txn, changesDBI, &cursorPointer), "changes")
            guard let cursor = cursorPointer else { throw KVError.storage("changes", code: -1) }
            defer { mdb_cursor_close(cursor) }
            var startKey = [UInt8]()
            appendBE(sequence + 1, to: &startKey)
            var key = MDB_val()
            var value = MDB_val()
            var rc = startKey.withUnsafeMutableBytes { raw -> Int32 in
                key = MDB_val(mv_size: raw.count, mv_data: raw.baseAddress)
                return mdb_cursor_get(cursor, &key, &value, MDB_SET_RANGE)
            }
            guard rc == 0, readBE(key.bytes) == sequence + 1 else {
                throw KVError(operation: "changes", status: 410,
                              message: "Sequence \(sequence) is older than the retained change log; take a new snapshot.")
            }
            var changes: [KVChange] = []
            while rc == 0 && changes.count < max(1, limit) {
                let number = readBE(key.bytes)
                guard let change = KVChange(sequence: number, body: value.bytes) else {
                    throw KVError(operation: "changes", status: 500, message: "Change \(number) is unreadable.")
                }
                changes.append(change)
                rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
            }
            return KVChangePage(changes: changes, latest: latest)
        }
    }

    /// The origin's sequence this replica has applied up to; nil until it has installed a snapshot
    /// of its origin (a new replica, or one whose origin changed).
    public var appliedOriginSequence: UInt64? { originSequence.withLock { $0 } }

    /// The history of the origin this replica's data comes from (see `history`); nil until it has
    /// installed a snapshot of its origin.
    public var appliedOriginHistory: String? { originHistory.withLock { $0 } }

    /// Applies changes sequenced by the origin, in one durable transaction that also records the
    /// origin sequence reached, so a crash resumes exactly where the last commit ended. Changes at
    /// or below the applied sequence are skipped: applying a page twice changes nothing.
    public func apply(_ changes: [KVChange]) async throws {
        guard !changes.isEmpty else { return }
        try await writer.submit(.apply(changes))
    }

    /// Replaces every namespace with the contents of the verified snapshot file at `path`, in one
    /// write transaction: readers see the old data until the commit and the new data after it, and
    /// no environment is ever closed under a reader. The local change log restarts (followers of
    /// this node re-snapshot), and every namespace's sequence moves, so caches rebuild. Returns the
    /// origin sequence the snapshot is consistent at.
    @discardableResult
    public func installSnapshot(at path: String) async throws -> UInt64 {
        _ = try await writer.submit(.install(path: path))
        return appliedOriginSequence ?? 0
    }

    /// Calls `observer` with the new sequence after every commit (this process's, or another's
    /// noticed within 250 ms): how long polls of the change feed wake up.
    public func onCommit(_ observer: @escaping @Sendable (UInt64) -> Void) {
        writer.addObserver(observer)
    }
}
