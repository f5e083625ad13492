import CLMDB
import Foundation
import Synchronization

/// A mutation waiting for the writer.
enum WriteOperation: Sendable {
    case put(namespace: String, dbi: MDB_dbi, key: [UInt8], record: [UInt8], expiration: Int64)
    case delete(namespace: String, dbi: MDB_dbi, key: [UInt8])
    case sweep
    /// Mutations sequenced by the origin (a replica applying its feed): each gets a local sequence,
    /// and the origin sequence reached is recorded in the same transaction.
    case apply([KVChange])
    /// A replica replacing its contents with a verified snapshot of its origin.
    case install(path: String)
}

/// The single writer of a store: one thread that drains a queue of mutations into one LMDB write
/// transaction at a time (group commit). Every caller resumes only after the commit that holds its
/// mutation is durable, and learns the sequence number it was given.
///
/// Each mutation appends to the change log in the same transaction as the data, so the log can never
/// disagree with the store. When a batch fails (map full, I/O), it is retried one mutation per
/// transaction so that only the mutation that cannot fit fails and the store stays as it was for it.
final class KVWriter: @unchecked Sendable {
    private unowned let store: KVStore
    private let condition = NSCondition()
    private var queue: [(WriteOperation, CheckedContinuation<UInt64, any Error>)] = []
    private var running = true
    private var thread: Thread?
    private let finished = NSCondition()
    private var isFinished = false
    private var observers: [@Sendable (UInt64) -> Void] = []
    private let observerLock = Mutex<Void>(())

    /// Turns of the writer's loop, for tests that check an idle writer sleeps.
    let wakeups = Atomic<Int>(0)

    static let maxBatch = 1024
    static let externalPollSeconds = 0.25
    static let readerCheckSeconds = 60.0

    init(store: KVStore) {
        self.store = store
    }

    func start() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "edgekv-writer"
        thread.stackSize = 1 << 20
        self.thread = thread
        thread.start()
    }

    /// Finishes the queued work, then stops the thread.
    func stop() {
        condition.lock()
        running = false
        condition.signal()
        condition.unlock()
        finished.lock()
        while !isFinished && thread != nil { finished.wait() }
        finished.unlock()
    }

    func addObserver(_ observer: @escaping @Sendable (UInt64) -> Void) {
        condition.lock()
        observers.append(observer)
        condition.unlock()
    }

    @discardableResult
    func submit(_ operation: WriteOperation) async throws -> UInt64 {
        if let origin = store.replicaOf {
            switch operation {
            case .put, .delete:
                throw KVError(operation: "put", status: 403,
                              message: "This node is a read-only replica of \(origin); send writes to the origin.")
            case .sweep, .apply, .install:
                break
            }
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<UInt64, any Error>) in
            condition.lock()
            if !running {
                condition.unlock()
                continuation.resume(throwing: KVError(operation: "put", status: 503, message: "The store is closed."))
                return
            }
            queue.append((operation, continuation))
            condition.signal()
            condition.unlock()
        }
    }

    private func loop() {
        var nextSweep = Date().addingTimeInterval(store.options.sweepIntervalSeconds)
        var nextReaderCheck = Date().addingTimeInterval(Self.readerCheckSeconds)
        while true {
            wakeups.add(1, ordering: .relaxed)
            condition.lock()
            let wakeAt = Date().addingTimeInterval(Self.externalPollSeconds)
            while queue.isEmpty && running {
                if !condition.wait(until: min(wakeAt, nextSweep)) { break }
            }
            let stopping = !running && queue.isEmpty
            let take = min(queue.count, Self.maxBatch)
            let batch = Array(queue.prefix(take))
            queue.removeFirst(take)
            condition.unlock()

            if stopping { break }
            if !batch.isEmpty {
                run(batch)
            } else {
                noticeExternalCommits()
            }
            let now = Date()
            // A replica's expirations arrive from the origin's sweeps; reads hide them meanwhile.
            if now >= nextSweep {
                // Moved on even on a replica, which never sweeps: a deadline left in the past would
                // make the wait above return at once, and this thread spin.
                nextSweep = now.addingTimeInterval(store.options.sweepIntervalSeconds)
                if store.replicaOf == nil { _ = try? runInTransaction([.sweep]) }
            }
            if now >= nextReaderCheck {
                nextReaderCheck = now.addingTimeInterval(Self.readerCheckSeconds)
                var dead: Int32 = 0
                mdb_reader_check(store.env, &dead)
            }
        }
        finished.lock()
        isFinished = true
        finished.broadcast()
        finished.unlock()
    }

    private func run(_ batch: [(WriteOperation, CheckedContinuation<UInt64, any Error>)]) {
        do {
            let sequences = try runInTransaction(batch.map(\.0))
            for (index, item) in batch.enumerated() { item.1.resume(returning: sequences[index]) }
        } catch {
            if batch.count == 1 {
                batch[0].1.resume(throwing: error)
                return
            }
            for item in batch { run([item]) }
        }
    }

    /// Applies `operations` in one write transaction and commits it; returns each one's sequence.
    private func runInTransaction(_ operations: [WriteOperation]) throws -> [UInt64] {
        let began = DispatchTime.now().uptimeNanoseconds
        var txnPointer: OpaquePointer?
        try mdbCheck(mdb_txn_begin(store.env, nil, 0, &txnPointer), "put")
        guard let txn = txnPointer else { throw KVError.storage("put", code: -1) }
        var committed = false
        defer { if !committed { mdb_txn_abort(txn) } }

        // Read the sequence inside the transaction: another process (the CLI) may have written.
        var state = BatchState(sequence: KVStore.readUInt64(txn: txn, dbi: store.metaDBI, key: KVStore.sequenceKey) ?? 0,
                               now: store.nowSeconds,
                               nowMillis: Int64((store.options.clock() * 1000).rounded(.down)))
        state.originSequence = KVStore.readUInt64(txn: txn, dbi: store.metaDBI, key: KVStore.originSequenceKey)
        let startSequence = state.sequence
        let startOrigin = state.originSequence
        if startSequence > store.sequence {
            // Another process committed since this one last published. Publish its namespaces'
            // sequences with this batch: the poll for external commits compares only the store-wide
            // sequence, which this batch moves past theirs.
            for id in store.namespaceDBIs.keys {
                state.touched[id] = KVStore.readUInt64(txn: txn, dbi: store.metaDBI, key: KVStore.namespaceSequenceKey(id)) ?? 0
            }
        }
        var results: [UInt64] = []
        results.reserveCapacity(operations.count)
        for operation in operations {
            try apply(operation, txn: txn, state: &state)
            results.append(state.sequence)
        }
        if state.sequence != startSequence {
            try KVStore.writeUInt64(txn: txn, dbi: store.metaDBI, key: KVStore.sequenceKey, value: state.sequence)
            for (id, sequence) in state.touched {
                try KVStore.writeUInt64(txn: txn, dbi: store.metaDBI, key: KVStore.namespaceSequenceKey(id), value: sequence)
            }
            try trimChangeLog(txn: txn, nowMillis: state.nowMillis)
        }
        if let origin = state.originSequence, origin != startOrigin {
            try KVStore.writeUInt64(txn: txn, dbi: store.metaDBI, key: KVStore.originSequenceKey, value: origin)
        }
        if let history = state.installedHistory {
            try KVStore.writeBytes(txn: txn, dbi: store.metaDBI, key: KVStore.originHistoryKey, value: Array(history.utf8))
        }
        let commitCode = mdb_txn_commit(txn)
        committed = true  // mdb_txn_commit frees the transaction even when it fails: never abort it after
        try mdbCheck(commitCode, "put")
        store.metrics.commits.increment()
        store.metrics.commitDuration.recordNanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - began))
        var info = MDB_envinfo()
        var stat = MDB_stat()
        mdb_env_info(store.env, &info)
        mdb_env_stat(store.env, &stat)
        store.metrics.mapUsedBytes.record((info.me_last_pgno + 1) * Int(stat.ms_psize))
        store.metrics.mapSizeBytes.record(info.me_mapsize)
        if let origin = state.originSequence, origin != startOrigin {
            store.originSequence.withLock { $0 = origin }
        }
        if let history = state.installedHistory { store.originHistory.withLock { $0 = history } }
        if state.sequence != startSequence { publish(state) }
        return results
    }

    private struct BatchState {
        var sequence: UInt64
        var now: Int64
        var nowMillis: Int64
        var touched: [String: UInt64] = [:]
        /// On a replica: the origin sequence applied up to.
        var originSequence: UInt64?
        /// Set by a snapshot install: the history of the store the snapshot was taken from.
        var installedHistory: String?
    }

    private func publish(_ state: BatchState) {
        for (id, sequence) in state.touched {
            store.namespaceSequences[id]?.value.store(sequence, ordering: .releasing)
        }
        store.committedSequence.store(state.sequence, ordering: .releasing)
        store.metrics.sequence.record(Int64(truncatingIfNeeded: state.sequence))
        condition.lock()
        let current = observers
        condition.unlock()
        for observer in current { observer(state.sequence) }
    }

    /// Another process committed to the same environment: move our sequences forward so that
    /// caches keyed on them see the change.
    private func noticeExternalCommits() {
        let persisted = try? store.readers.withTransaction { txn in
            KVStore.readUInt64(txn: txn, dbi: store.metaDBI, key: KVStore.sequenceKey)
        }
        guard let sequence = persisted, sequence > store.sequence else { return }
        var state = BatchState(sequence: sequence, now: 0, nowMillis: 0)
        _ = try? store.readers.withTransaction { txn in
            for id in store.namespaceDBIs.keys {
                state.touched[id] = KVStore.readUInt64(txn: txn, dbi: store.metaDBI, key: KVStore.namespaceSequenceKey(id)) ?? 0
            }
        }
        publish(state)
    }

    // MARK: - Mutations inside a transaction

    private func apply(_ operation: WriteOperation, txn: OpaquePointer, state: inout BatchState) throws {
        switch operation {
        case let .put(namespace, dbi, key, record, expiration):
            let old = try existingExpiration(txn: txn, dbi: dbi, key: key)
            if let old, old != 0 { try deleteExpiryEntry(txn: txn, expiration: old, namespace: namespace, key: key) }
            try MDB_val.with(key) { k in
                try MDB_val.with(record) { v in try mdbCheck(mdb_put(txn, dbi, &k, &v, 0), "put") }
            }
            if expiration != 0 { try putExpiryEntry(txn: txn, expiration: expiration, namespace: namespace, key: key) }
            try appendChange(.put, namespace: namespace, key: key, record: record, txn: txn, state: &state)

        case let .delete(namespace, dbi, key):
            guard let old = try existingExpiration(txn: txn, dbi: dbi, key: key) else { return }
            if old != 0 { try deleteExpiryEntry(txn: txn, expiration: old, namespace: namespace, key: key) }
            try MDB_val.with(key) { k in try mdbCheck(mdb_del(txn, dbi, &k, nil), "delete") }
            try appendChange(.delete, namespace: namespace, key: key, record: [], txn: txn, state: &state)

        case .sweep:
            try sweep(txn: txn, state: &state)

        case .apply(let changes):
            // A replica that has not installed a snapshot of its origin has nothing to apply onto.
            guard var origin = state.originSequence else {
                throw KVError(operation: "apply", status: 409, message: "No snapshot of the origin is installed yet.")
            }
            for change in changes where change.sequence > origin {
                origin = change.sequence
                // A namespace this node does not serve: the sequence still counts as applied.
                guard let dbi = store.namespaceDBIs[change.namespace] else { continue }
                let old = try existingExpiration(txn: txn, dbi: dbi, key: change.key)
                if let old, old != 0 {
                    try deleteExpiryEntry(txn: txn, expiration: old, namespace: change.namespace, key: change.key)
                }
                switch change.operation {
                case .put:
                    try MDB_val.with(change.key) { k in
                        try MDB_val.with(change.record) { v in try mdbCheck(mdb_put(txn, dbi, &k, &v, 0), "apply") }
                    }
                    let expiration = change.record.withUnsafeBytes { StoredRecord.View($0)?.expiration ?? 0 }
                    if expiration != 0 {
                        try putExpiryEntry(txn: txn, expiration: expiration, namespace: change.namespace, key: change.key)
                    }
                case .delete, .expire:
                    guard old != nil else { continue }
                    try MDB_val.with(change.key) { k in try mdbCheck(mdb_del(txn, dbi, &k, nil), "apply") }
                }
                try appendChange(change.operation, namespace: change.namespace, key: change.key,
                                 record: change.record, txn: txn, state: &state, timestampMillis: change.timestampMillis)
            }
            state.originSequence = origin

        case .install(let path):
            try install(snapshotAt: path, txn: txn, state: &state)
        }
    }

    /// Empties every namespace (and the expiry index and change log) and copies the snapshot's
    /// records in, all inside the caller's transaction. One new local sequence marks the whole
    /// install, so every namespace's cache key moves.
    private func install(snapshotAt path: String, txn: OpaquePointer, state: inout BatchState) throws {
        try KVStore.readSnapshot(at: path, operation: "install") { read, snapshotMeta in
            try copy(snapshot: read, meta: snapshotMeta, into: txn, state: &state)
        }
    }

    private func copy(snapshot read: OpaquePointer, meta snapshotMeta: MDB_dbi, into txn: OpaquePointer,
                      state: inout BatchState) throws {
        let originSequence = KVStore.readUInt64(txn: read, dbi: snapshotMeta, key: KVStore.sequenceKey) ?? 0
        // A snapshot of a store older than histories has none: "" matches no origin's, so the next
        // page asked for with it is refused and a new snapshot (which has one) is taken.
        state.installedHistory = KVStore.readBytes(txn: read, dbi: snapshotMeta, key: KVStore.historyKey)
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        try mdbCheck(mdb_drop(txn, store.expiryDBI, 0), "install")
        try mdbCheck(mdb_drop(txn, store.changesDBI, 0), "install")
        state.sequence += 1
        for (namespace, dbi) in store.namespaceDBIs {
            try mdbCheck(mdb_drop(txn, dbi, 0), "install")
            state.touched[namespace] = state.sequence
            var source: MDB_dbi = 0
            guard mdb_dbi_open(read, "ns:\(namespace)", 0, &source) == 0 else { continue }
            var cursorPointer: OpaquePointer?
            try mdbCheck(mdb_cursor_open(read, source, &cursorPointer), "install")
            guard let cursor = cursorPointer else { continue }
            defer { mdb_cursor_close(cursor) }
            var key = MDB_val()
            var value = MDB_val()
            var step = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
            while step == 0 {
                // Same key order in both files, so every put appends.
                try mdbCheck(mdb_put(txn, dbi, &key, &value, UInt32(MDB_APPEND)), "install")
                if let expiration = StoredRecord.View(value.bytes)?.expiration, expiration != 0 {
                    try putExpiryEntry(txn: txn, expiration: expiration, namespace: namespace, key: Array(key.bytes))
                }
                step = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)
            }
            if step != MDBCode.notFound { try mdbCheck(step, "install") }
        }
        state.originSequence = originSequence
    }

    /// nil when the key is absent; otherwise its stored expiration (0 = never).
    private func existingExpiration(txn: OpaquePointer, dbi: MDB_dbi, key: [UInt8]) throws -> Int64? {
        var found = MDB_val()
        let rc = MDB_val.with(key) { k in mdb_get(txn, dbi, &k, &found) }
        if rc == MDBCode.notFound { return nil }
        try mdbCheck(rc, "put")
        return StoredRecord.View(found.bytes)?.expiration ?? 0
    }

    private func appendChange(_ operation: KVChange.Operation, namespace: String, key: [UInt8], record: [UInt8],
                              txn: OpaquePointer, state: inout BatchState, timestampMillis: Int64? = nil) throws {
        state.sequence += 1
        state.touched[namespace] = state.sequence
        let change = KVChange(sequence: state.sequence, timestampMillis: timestampMillis ?? state.nowMillis,
                              operation: operation, namespace: namespace, key: key, record: record)
        var seqKey = [UInt8]()
        appendBE(state.sequence, to: &seqKey)
        try MDB_val.with(seqKey) { k in
            try MDB_val.with(change.encodedBody()) { v in
                try mdbCheck(mdb_put(txn, store.changesDBI, &k, &v, UInt32(MDB_APPEND)), "put")
            }
        }
    }

    static func expiryKey(expiration: Int64, namespace: String, key: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(9 + namespace.utf8.count + key.count)
        appendBE(UInt64(expiration), to: &out)
        out.append(contentsOf: namespace.utf8)
        out.append(0)
        out.append(contentsOf: key)
        return out
    }

    private func putExpiryEntry(txn: OpaquePointer, expiration: Int64, namespace: String, key: [UInt8]) throws {
        try MDB_val.with(Self.expiryKey(expiration: expiration, namespace: namespace, key: key)) { k in
            var empty = MDB_val(mv_size: 0, mv_data: nil)
            try mdbCheck(mdb_put(txn, store.expiryDBI, &k, &empty, 0), "put")
        }
    }

    private func deleteExpiryEntry(txn: OpaquePointer, expiration: Int64, namespace: String, key: [UInt8]) throws {
        let rc = MDB_val.with(Self.expiryKey(expiration: expiration, namespace: namespace, key: key)) { k in
            mdb_del(txn, store.expiryDBI, &k, nil)
        }
        if rc != MDBCode.notFound { try mdbCheck(rc, "put") }
    }

    /// Removes keys whose expiration has passed, oldest first, a bounded number per transaction.
    private func sweep(txn: OpaquePointer, state: inout BatchState) throws {
        var cursorPointer: OpaquePointer?
        try mdbCheck(mdb_cursor_open(txn, store.expiryDBI, &cursorPointer), "sweep")
        guard let cursor = cursorPointer else { return }
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var value = MDB_val()
        var rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        var removed = 0
        while rc == 0 && removed < 10_000 {
            let raw = key.bytes
            guard raw.count > 9 else { break }
            let expiration = Int64(readBE(raw))
            if expiration > state.now { break }
            let rest = raw[8...]
            guard let zero = rest.firstIndex(of: 0) else { break }
            let namespace = String(decoding: raw[8..<zero], as: UTF8.self)
            let userKey = Array(raw[(zero + 1)...])
            try mdbCheck(mdb_cursor_del(cursor, 0), "sweep")
            if let dbi = store.namespaceDBIs[namespace],
               let current = try existingExpiration(txn: txn, dbi: dbi, key: userKey), current == expiration
            {
                try MDB_val.with(userKey) { k in try mdbCheck(mdb_del(txn, dbi, &k, nil), "sweep") }
                try appendChange(.expire, namespace: namespace, key: userKey, record: [], txn: txn, state: &state)
            }
            removed += 1
            rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST)
        }
    }

    /// Drops the oldest change-log entries beyond the configured count or age.
    private func trimChangeLog(txn: OpaquePointer, nowMillis: Int64) throws {
        var stat = MDB_stat()
        mdb_stat(txn, store.changesDBI, &stat)
        var excess = stat.ms_entries - store.options.changeLogMaxEntries
        let cutoff = nowMillis - Int64(store.options.changeLogMaxAgeSeconds * 1000)
        var cursorPointer: OpaquePointer?
        try mdbCheck(mdb_cursor_open(txn, store.changesDBI, &cursorPointer), "trim")
        guard let cursor = cursorPointer else { return }
        defer { mdb_cursor_close(cursor) }
        var key = MDB_val()
        var value = MDB_val()
        var deleted = 0
        // Never trim the newest entry: it tells a replica which sequence the log reaches.
        while deleted < 10_000, stat.ms_entries - deleted > 1,
              mdb_cursor_get(cursor, &key, &value, MDB_FIRST) == 0
        {
            let timestamp = value.mv_size >= 9 ? Int64(bitPattern: readLE(value.bytes, at: 1, bytes: 8)) : 0
            guard excess > 0 || timestamp < cutoff else { break }
            try mdbCheck(mdb_cursor_del(cursor, 0), "trim")
            excess -= 1
            deleted += 1
        }
    }
}
