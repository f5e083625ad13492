import CLMDB
import EdgePlatform
import Foundation
import Synchronization

/// Settings of one store. Defaults are the production ones: fully durable commits.
public struct KVStoreOptions: Sendable {
    /// Upper bound of the memory map; LMDB reserves address space, not disk.
    public var mapSizeBytes: Int = 8 << 30
    public var maxReaders: UInt32 = 512
    /// `false` skips the fsync of each commit: only for replicas, which can always re-fetch.
    public var durable = true
    /// The change log keeps at most this many entries ...
    public var changeLogMaxEntries = 1_000_000
    /// ... and none older than this.
    public var changeLogMaxAgeSeconds: Double = 7 * 24 * 3600
    /// How often expired keys are swept (reads hide them at once regardless).
    public var sweepIntervalSeconds: Double = 5
    /// Origin or replica; see `KVStoreRole`.
    public var role: KVStoreRole = .asStored
    /// Seconds since the Unix epoch; injected by tests.
    public var clock: @Sendable () -> Double = KVStoreOptions.wallClock

    /// The coarse real-time clock: a vDSO read of a few nanoseconds, and expirations are whole seconds.
    @Sendable public static func wallClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME_COARSE, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public init() {}
}

/// Whether a store takes local writes. A replica's role is recorded in the store itself, so every
/// process that opens it (the CLI beside a running replica) refuses local writes too.
public enum KVStoreRole: Sendable, Equatable {
    /// As the store says: one marked as a replica refuses local writes.
    case asStored
    /// An origin: local writes are taken; a replica mark left by an earlier run is removed (promotion).
    case origin
    /// A replica of the origin at this URL: local puts and deletes are refused, naming it; the expiry
    /// sweeper is off, since the origin's sweeps arrive through the change feed.
    case replica(of: String)
}

/// One LMDB environment holding every namespace of a node, plus the internal databases for expiry,
/// the change log and node metadata.
///
/// Reads are synchronous (a memory-mapped lookup in a pooled read transaction); writes go through
/// one writer thread that groups concurrent callers into one durable commit.
public final class KVStore: @unchecked Sendable {
    public let directory: String
    public let options: KVStoreOptions
    let env: OpaquePointer
    let namespaceDBIs: [String: MDB_dbi]
    let metaDBI: MDB_dbi
    let changesDBI: MDB_dbi
    let expiryDBI: MDB_dbi
    let readers: ReadTransactionPool
    let metrics = KVMetrics()
    private(set) var writer: KVWriter!
    private let lockFD: Int32
    private let closed = Atomic<Bool>(false)

    /// The sequence of the last committed mutation, and per namespace the sequence of its last one.
    let committedSequence: Atomic<UInt64>
    let namespaceSequences: [String: NamespaceSequence]

    /// The origin this store replicates, when it is a replica: local writes are refused.
    public let replicaOf: String?
    /// Set when opening as `.origin` removed a replica mark: the origin it used to follow.
    public let promotedFrom: String?
    /// The origin's sequence that this replica has applied up to; nil until a snapshot is installed.
    let originSequence: Mutex<UInt64?>
    /// This store's history: a random id drawn when the store was created and again when it is
    /// restored from a snapshot. Sequences compare only within one history: a store restored from
    /// an older backup counts again from the backup's sequence, so a replica that followed it before
    /// must not take a later sequence number for the same point in time.
    public let history: String
    /// On a replica: the history of the origin whose changes it applied (from the installed snapshot).
    let originHistory: Mutex<String?>

    public var clock: @Sendable () -> Double { options.clock }

    /// Names of internal databases; namespace databases are `ns:<id>`.
    static let metaName = "__meta"
    static let changesName = "__changes"
    static let expiryName = "__expiry"
    static let sequenceKey = Array("sequence".utf8)
    static let replicaOfKey = Array("replica_of".utf8)
    static let originSequenceKey = Array("origin_sequence".utf8)
    static let historyKey = Array("history".utf8)
    static let originHistoryKey = Array("origin_history".utf8)
    static func namespaceSequenceKey(_ id: String) -> [UInt8] { Array("nsseq:\(id)".utf8) }

    /// A new history id: 16 random bytes in hex.
    static func newHistory() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }

    /// Opens (creating if needed) the store in `directory` with the given namespace ids.
    public init(directory: String, namespaces: [String], options: KVStoreOptions = KVStoreOptions()) throws {
        self.directory = directory
        self.options = options
        for id in namespaces where id.isEmpty || id.utf8.contains(0) || id.hasPrefix("__") {
            throw KVError(operation: "open", status: 400, message: "Invalid namespace id \"\(id)\".")
        }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw KVError(operation: "open", status: 500, message: "Cannot create \(directory): \(error.localizedDescription)")
        }
        lockFD = open(directory + "/edgeworker.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if lockFD < 0 || flock(lockFD, LOCK_SH | LOCK_NB) != 0 {
            if lockFD >= 0 { closeDescriptor(lockFD) }
            throw KVError(operation: "open", status: 423,
                          message: "The store in \(directory) is being restored by another process.")
        }

        let opened: OpenedEnvironment
        do {
            opened = try Self.openEnvironment(directory: directory, namespaces: namespaces, options: options)
        } catch {
            closeDescriptor(lockFD)
            throw error
        }
        env = opened.env
        metaDBI = opened.meta
        changesDBI = opened.changes
        expiryDBI = opened.expiry
        namespaceDBIs = opened.namespaces
        committedSequence = Atomic(opened.sequence)
        namespaceSequences = opened.namespaceSequences.mapValues { NamespaceSequence($0) }
        replicaOf = opened.replicaOf
        promotedFrom = opened.promotedFrom
        originSequence = Mutex(opened.originSequence)
        history = opened.history
        originHistory = Mutex(opened.originHistory)
        readers = ReadTransactionPool(env: env, maxIdle: 64)
        writer = KVWriter(store: self)
        metrics.sequence.record(Int64(truncatingIfNeeded: sequence))
        writer.start()
    }

    private struct OpenedEnvironment {
        var env: OpaquePointer
        var meta: MDB_dbi
        var changes: MDB_dbi
        var expiry: MDB_dbi
        var namespaces: [String: MDB_dbi]
        var sequence: UInt64
        var namespaceSequences: [String: UInt64]
        var replicaOf: String?
        var promotedFrom: String?
        var originSequence: UInt64?
        var history: String
        var originHistory: String?
    }

    private static func openEnvironment(directory: String, namespaces: [String], options: KVStoreOptions) throws -> OpenedEnvironment {
        var envPointer: OpaquePointer?
        var rc = mdb_env_create(&envPointer)
        guard rc == 0, let env = envPointer else { throw KVError.storage("open", code: rc) }
        var txn: OpaquePointer?
        func fail(_ code: Int32) -> KVError {
            if let txn { mdb_txn_abort(txn) }
            mdb_env_close(env)
            return KVError.storage("open", code: code)
        }
        mdb_env_set_maxdbs(env, MDB_dbi(max(64, namespaces.count + 8)))
        mdb_env_set_mapsize(env, options.mapSizeBytes)
        mdb_env_set_maxreaders(env, options.maxReaders)
        var flags = UInt32(MDB_NOTLS)
        if !options.durable { flags |= UInt32(MDB_NOSYNC) }
        rc = mdb_env_open(env, directory, flags, 0o644)
        if rc != 0 { throw fail(rc) }
        var dead: Int32 = 0
        mdb_reader_check(env, &dead)

        // Open every database once, in one write transaction; handles stay valid until close.
        rc = mdb_txn_begin(env, nil, 0, &txn)
        guard rc == 0, let writeTxn = txn else { throw fail(rc) }
        func openDB(_ name: String) throws -> MDB_dbi {
            var dbi: MDB_dbi = 0
            let rc = mdb_dbi_open(writeTxn, name, UInt32(MDB_CREATE), &dbi)
            if rc != 0 { throw fail(rc) }
            return dbi
        }
        let meta = try openDB(metaName)
        let changes = try openDB(changesName)
        let expiry = try openDB(expiryName)
        var dbis: [String: MDB_dbi] = [:]
        var sequences: [String: UInt64] = [:]
        for id in namespaces {
            dbis[id] = try openDB("ns:\(id)")
            sequences[id] = readUInt64(txn: writeTxn, dbi: meta, key: namespaceSequenceKey(id)) ?? 0
        }
        let sequence = readUInt64(txn: writeTxn, dbi: meta, key: sequenceKey) ?? 0
        let role: (replicaOf: String?, promotedFrom: String?, originSequence: UInt64?)
        let history: String
        do {
            role = try applyRole(options.role, txn: writeTxn, meta: meta)
            if let stored = readBytes(txn: writeTxn, dbi: meta, key: historyKey) {
                history = String(decoding: stored, as: UTF8.self)
            } else {
                history = newHistory()
                try writeBytes(txn: writeTxn, dbi: meta, key: historyKey, value: Array(history.utf8))
            }
        } catch let error as KVError {
            mdb_txn_abort(writeTxn)
            txn = nil
            mdb_env_close(env)
            throw error
        }
        let originHistory = role.originSequence == nil ? nil
            : readBytes(txn: writeTxn, dbi: meta, key: originHistoryKey).map { String(decoding: $0, as: UTF8.self) }
        rc = mdb_txn_commit(writeTxn)
        txn = nil
        if rc != 0 { throw fail(rc) }
        return OpenedEnvironment(env: env, meta: meta, changes: changes, expiry: expiry, namespaces: dbis,
                                 sequence: sequence, namespaceSequences: sequences, replicaOf: role.replicaOf,
                                 promotedFrom: role.promotedFrom, originSequence: role.originSequence,
                                 history: history, originHistory: originHistory)
    }

    /// Reads and updates the replica mark in `__meta` for the role this process opens the store in.
    /// A replica that changes origin forgets its applied sequence: its data came from elsewhere, so
    /// it must install a snapshot of the new origin before it follows its feed.
    private static func applyRole(_ role: KVStoreRole, txn: OpaquePointer, meta: MDB_dbi) throws
        -> (replicaOf: String?, promotedFrom: String?, originSequence: UInt64?)
    {
        let stored = readBytes(txn: txn, dbi: meta, key: replicaOfKey).map { String(decoding: $0, as: UTF8.self) }
        let applied = readUInt64(txn: txn, dbi: meta, key: originSequenceKey)
        func remove(_ key: [UInt8]) throws {
            let rc = MDB_val.with(key) { k in mdb_del(txn, meta, &k, nil) }
            if rc != MDBCode.notFound { try mdbCheck(rc, "open") }
        }
        switch role {
        case .asStored:
            return (stored, nil, applied)
        case .origin:
            guard let stored else { return (nil, nil, nil) }
            try remove(replicaOfKey)
            try remove(originSequenceKey)
            try remove(originHistoryKey)
            return (nil, stored, nil)
        case .replica(let origin):
            if stored == origin { return (origin, nil, applied) }
            try remove(originSequenceKey)
            try remove(originHistoryKey)
            try MDB_val.with(replicaOfKey) { k in
                try MDB_val.with(Array(origin.utf8)) { v in try mdbCheck(mdb_put(txn, meta, &k, &v, 0), "open") }
            }
            return (origin, nil, nil)
        }
    }
    deinit { close() }

    /// Stops the writer after its queued work, then closes the environment. Idempotent.
    public func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        writer?.stop()
        readers.drain()
        mdb_env_close(env)
        flock(lockFD, LOCK_UN)
        closeDescriptor(lockFD)
    }

    /// Drops this process's mappings of the store's pages: they stay in the page cache, and a later
    /// read maps what it needs again (a minor fault). A scan of the whole store — compiling a project
    /// of 100,000 flags reads every record once — otherwise leaves every page it touched in the
    /// resident set. The map is read-only (no `MDB_WRITEMAP`), so nothing can be lost; done inside a
    /// read transaction so that the environment cannot close meanwhile.
    public func releaseMappedPages() {
        guard let file = ProcessMappings.realPath(directory + "/data.mdb") else { return }
        _ = try? readers.withTransaction { _ in
            // LMDB does not say where it mapped the file (`me_mapaddr` is only set with MDB_FIXEDMAP).
            for mapping in ProcessMappings.of(file) ?? [] where !mapping.writable {
                guard let start = UnsafeMutableRawPointer(bitPattern: mapping.start) else { continue }
                PageAdvice.release(start, length: mapping.end - mapping.start)
            }
        }
    }

    /// The binding for namespace `id`, or nil when the store was not opened with it.
    public func namespace(_ id: String) -> KVNamespace? {
        guard let dbi = namespaceDBIs[id], let version = namespaceSequences[id] else { return nil }
        return KVNamespace(store: self, id: id, dbi: dbi, version: version)
    }

    public var namespaceIDs: [String] { namespaceDBIs.keys.sorted() }

    /// The sequence number of the last committed mutation of this store.
    public var sequence: UInt64 { committedSequence.load(ordering: .acquiring) }

    /// Sweeps expired keys now (the writer also does it on its own timer).
    public func sweepExpired() async throws {
        try await writer.submit(.sweep)
    }

    /// `now` in whole seconds, as expirations are stored.
    var nowSeconds: Int64 { Int64(options.clock().rounded(.down)) }

    static func readUInt64(txn: OpaquePointer, dbi: MDB_dbi, key: [UInt8]) -> UInt64? {
        var found = MDB_val()
        let rc = MDB_val.with(key) { k in mdb_get(txn, dbi, &k, &found) }
        guard rc == 0, found.mv_size == 8 else { return nil }
        return readLE(found.bytes, at: 0, bytes: 8)
    }

    static func readBytes(txn: OpaquePointer, dbi: MDB_dbi, key: [UInt8]) -> [UInt8]? {
        var found = MDB_val()
        let rc = MDB_val.with(key) { k in mdb_get(txn, dbi, &k, &found) }
        guard rc == 0 else { return nil }
        return Array(found.bytes)
    }

    static func writeUInt64(txn: OpaquePointer, dbi: MDB_dbi, key: [UInt8], value: UInt64) throws {
        var bytes = [UInt8]()
        appendLE(value, bytes: 8, to: &bytes)
        try writeBytes(txn: txn, dbi: dbi, key: key, value: bytes)
    }

    static func writeBytes(txn: OpaquePointer, dbi: MDB_dbi, key: [UInt8], value: [UInt8]) throws {
        try MDB_val.with(key) { k in
            try MDB_val.with(value) { v in try mdbCheck(mdb_put(txn, dbi, &k, &v, 0), "put") }
        }
    }

    /// Live numbers for operators: entries, sizes, readers.
    public func statistics() throws -> KVStatistics {
        try readers.withTransaction { txn in
            var info = MDB_envinfo()
            mdb_env_info(env, &info)
            var stat = MDB_stat()
            mdb_env_stat(env, &stat)
            var keys: [String: Int] = [:]
            for (id, dbi) in namespaceDBIs {
                var s = MDB_stat()
                mdb_stat(txn, dbi, &s)
                keys[id] = s.ms_entries
            }
            var changes = MDB_stat()
            mdb_stat(txn, changesDBI, &changes)
            return KVStatistics(sequence: sequence, keysPerNamespace: keys, changeLogEntries: changes.ms_entries,
                                usedBytes: (info.me_last_pgno + 1) * Int(stat.ms_psize),
                                mapSizeBytes: info.me_mapsize, readersInUse: Int(info.me_numreaders))
        }
    }
}

/// Figures an operator wants to see about a store.
public struct KVStatistics: Sendable {
    public var sequence: UInt64
    public var keysPerNamespace: [String: Int]
    public var changeLogEntries: Int
    public var usedBytes: Int
    public var mapSizeBytes: Int
    public var readersInUse: Int
}

/// The last sequence that touched one namespace: what caches over that namespace key on.
final class NamespaceSequence: Sendable {
    let value: Atomic<UInt64>
    init(_ initial: UInt64) { value = Atomic(initial) }
}
