import CLMDB
import EdgeJSON

/// How `get` should hand a value back, as in Workers KV's `type` option.
public enum KVValueType: Sendable {
    case text, json, arrayBuffer, stream
}

/// A value read from a namespace.
public enum KVValue: Sendable {
    case text(String)
    case json(JSONValue)
    case bytes([UInt8])
    case stream(AsyncStream<[UInt8]>)

    public var text: String? {
        switch self {
        case .text(let s): return s
        case .bytes(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    public var json: JSONValue? {
        if case .json(let v) = self { return v }
        return nil
    }

    public var bytes: [UInt8]? {
        switch self {
        case .bytes(let b): return b
        case .text(let s): return Array(s.utf8)
        default: return nil
        }
    }
}

/// Options of `put`, with Workers KV's names and rules.
public struct KVPutOptions: Sendable {
    /// Absolute expiry, seconds since the Unix epoch; at least 60 s in the future.
    public var expiration: Int64?
    /// Seconds from now; at least 60. Wins over `expiration` when both are set.
    public var expirationTTL: Int64?
    /// Any JSON value, at most 1024 bytes serialized.
    public var metadata: JSONValue?

    public init(expiration: Int64? = nil, expirationTTL: Int64? = nil, metadata: JSONValue? = nil) {
        self.expiration = expiration
        self.expirationTTL = expirationTTL
        self.metadata = metadata
    }
}

/// One key of a `list` page.
public struct KVListKey: Sendable, Equatable {
    public var name: String
    /// Absolute seconds since the epoch, when the key expires.
    public var expiration: Int64?
    public var metadata: JSONValue?
}

/// A page of `list`.
public struct KVListResult: Sendable {
    public var keys: [KVListKey]
    public var listComplete: Bool
    /// Pass back to get the next page; present when `listComplete` is false.
    public var cursor: String?
}

/// A KV namespace binding (`env.FLAGS`): the Workers KV API over one LMDB database.
///
/// Reads are synchronous: a lookup in the memory map takes well under a microsecond, and nothing
/// can be awaited while an LMDB read transaction is open. Writes are `async` because they wait for
/// the durable group commit.
public struct KVNamespace: Sendable {
    public let id: String
    let store: KVStore
    let dbi: MDB_dbi
    let version: NamespaceSequence

    init(store: KVStore, id: String, dbi: MDB_dbi, version: NamespaceSequence) {
        self.store = store
        self.id = id
        self.dbi = dbi
        self.version = version
    }

    /// The sequence of the last mutation of this namespace: caches over it key on this number.
    public var sequence: UInt64 { version.value.load(ordering: .acquiring) }

    /// See `KVStore.releaseMappedPages`.
    public func releaseMappedPages() { store.releaseMappedPages() }

    /// The origin's URL when this node is a read-only replica (puts and deletes are refused).
    public var readOnlyOrigin: String? { store.replicaOf }

    /// Keys of this namespace changed (put, deleted or expired) after `sequence` up to this
    /// namespace's current sequence, in order of change, from the store's change log; nil when the
    /// log no longer reaches back to `sequence` (trimmed, or reset by a snapshot install) or when
    /// more than `limit` changes of the whole store follow it. A cache over the namespace uses it to
    /// keep what a change did not touch, and rebuilds on nil.
    public func keysChanged(after sequence: UInt64, limit: Int) -> [String]? {
        let target = self.sequence
        guard target > sequence else { return [] }
        var keys: [String] = []
        var after = sequence
        var scanned = 0
        while after < target {
            guard scanned < limit, let page = try? store.changes(after: after, limit: min(1000, limit - scanned)),
                  let last = page.changes.last else { return nil }
            for change in page.changes where change.namespace == id {
                keys.append(String(decoding: change.key, as: UTF8.self))
            }
            scanned += page.changes.count
            after = last.sequence
        }
        return keys
    }

    // MARK: Reads

    public func get(_ key: String, type: KVValueType = .text) throws -> KVValue? {
        try getWithMetadata(key, type: type, wantMetadata: false)?.value
    }

    /// The value and its metadata (nil when none was stored).
    public func getWithMetadata(_ key: String, type: KVValueType = .text) throws -> (value: KVValue, metadata: JSONValue?)? {
        try getWithMetadata(key, type: type, wantMetadata: true)
    }

    /// Raw bytes of a live value: the hot-path read, with one copy out of the map.
    public func getBytes(_ key: String) throws -> [UInt8]? {
        try KVLimits.validateKey(key, operation: "get")
        let now = store.nowSeconds
        store.metrics.reads.increment()
        return try store.readers.withTransaction { txn in
            try Self.lookup(txn: txn, dbi: dbi, key: key) { view in view.isLive(now: now) ? Array(view.value) : nil } ?? nil
        }
    }

    public func getText(_ key: String) throws -> String? {
        try getBytes(key).map { String(decoding: $0, as: UTF8.self) }
    }

    public func getJSON(_ key: String) throws -> JSONValue? {
        guard let bytes = try getBytes(key) else { return nil }
        return try Self.decodeJSON(bytes, key: key)
    }

    /// Bulk get of 1 to 100 keys, as text or JSON; counts as one operation. Missing keys map to nil.
    public func get(_ keys: [String], type: KVValueType = .text) throws -> [String: KVValue?] {
        try KVLimits.validateBulkCount(keys.count)
        guard type == .text || type == .json else {
            throw KVError(operation: "get", status: 400, message: "Bulk get supports only the text and json types.")
        }
        for key in keys { try KVLimits.validateKey(key, operation: "get") }
        let now = store.nowSeconds
        var result: [String: KVValue?] = [:]
        var rawValues: [(String, [UInt8]?)] = []
        store.metrics.reads.increment(by: keys.count)
        try store.readers.withTransaction { txn in
            for key in keys {
                rawValues.append((key, try Self.lookup(txn: txn, dbi: dbi, key: Array(key.utf8)) { view in
                    view.isLive(now: now) ? Array(view.value) : nil
                } ?? nil))
            }
        }
        for (key, bytes) in rawValues {
            guard let bytes else { result[key] = .some(nil); continue }
            if type == .json {
                guard let value = try? JSONValue.parse(bytes) else {
                    throw KVError(operation: "get", status: 400,
                                  message: "At least one of the requested keys corresponds to a non-json value")
                }
                result[key] = .json(value)
            } else {
                result[key] = .text(String(decoding: bytes, as: UTF8.self))
            }
        }
        return result
    }

    private func getWithMetadata(_ key: String, type: KVValueType, wantMetadata: Bool) throws -> (value: KVValue, metadata: JSONValue?)? {
        try KVLimits.validateKey(key, operation: "get")
        let now = store.nowSeconds
        let found: ([UInt8], [UInt8]?)? = try read(Array(key.utf8)) { view in
            guard view.isLive(now: now) else { return nil }
            return (Array(view.value), wantMetadata ? view.metadata.map { Array($0) } : nil)
        }
        guard let (bytes, metadataBytes) = found else { return nil }
        let metadata = try metadataBytes.map { try JSONValue.parse($0) }
        let value: KVValue
        switch type {
        case .text: value = .text(String(decoding: bytes, as: UTF8.self))
        case .arrayBuffer: value = .bytes(bytes)
        case .json: value = .json(try Self.decodeJSON(bytes, key: key))
        case .stream: value = .stream(Self.chunked(bytes))
        }
        return (value, metadata)
    }

    static let streamChunkSize = 64 * 1024

    /// Hands a value out in chunks. The bytes were copied out of the map first: a read transaction
    /// must not stay open across the consumer's awaits.
    static func chunked(_ bytes: [UInt8]) -> AsyncStream<[UInt8]> {
        AsyncStream { continuation in
            var offset = 0
            while offset < bytes.count {
                let end = min(offset + streamChunkSize, bytes.count)
                continuation.yield(Array(bytes[offset..<end]))
                offset = end
            }
            continuation.finish()
        }
    }

    private static func decodeJSON(_ bytes: [UInt8], key: String) throws -> JSONValue {
        do {
            return try JSONValue.parse(bytes)
        } catch {
            throw KVError(operation: "get", status: 400, message: "The value of \"\(key)\" is not valid JSON: \(error)")
        }
    }

    private func read<R>(_ key: [UInt8], _ body: (StoredRecord.View) -> R?) throws -> R? {
        store.metrics.reads.increment()
        return try store.readers.withTransaction { txn in
            try Self.lookup(txn: txn, dbi: dbi, key: key, body) ?? nil
        }
    }

    /// Looks `key` up without copying it: native strings are contiguous UTF-8 already.
    private static func lookup<R>(txn: OpaquePointer, dbi: MDB_dbi, key: String, _ body: (StoredRecord.View) -> R) throws -> R? {
        var key = key
        return try key.withUTF8 { utf8 in
            try lookup(txn: txn, dbi: dbi, key: UnsafeRawBufferPointer(utf8), body)
        }
    }

    private static func lookup<R>(txn: OpaquePointer, dbi: MDB_dbi, key: [UInt8], _ body: (StoredRecord.View) -> R) throws -> R? {
        try key.withUnsafeBytes { try lookup(txn: txn, dbi: dbi, key: $0, body) }
    }

    private static func lookup<R>(txn: OpaquePointer, dbi: MDB_dbi, key raw: UnsafeRawBufferPointer, _ body: (StoredRecord.View) -> R) throws -> R? {
        var found = MDB_val()
        var k = MDB_val(mv_size: raw.count, mv_data: UnsafeMutableRawPointer(mutating: raw.baseAddress))
        let rc = mdb_get(txn, dbi, &k, &found)
        if rc == MDBCode.notFound { return nil }
        try mdbCheck(rc, "get")
        guard let view = StoredRecord.View(found.bytes) else {
            throw KVError(operation: "get", status: 500, message: "Corrupt record in namespace.")
        }
        return body(view)
    }

    // MARK: Writes

    /// Stores `value` under `key`. Returns once the commit holding it is durable; the result is
    /// the change-log sequence it was given.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8], options: KVPutOptions = KVPutOptions()) async throws -> UInt64 {
        try KVLimits.validateKey(key, operation: "put")
        try KVLimits.validateValue(length: value.count)
        let expiration = try KVLimits.resolveExpiration(expiration: options.expiration,
                                                        expirationTTL: options.expirationTTL, now: store.nowSeconds)
        let metadata = try KVLimits.encodeMetadata(options.metadata)
        let record = StoredRecord(expiration: expiration, metadata: metadata, value: value).encoded()
        return try await store.writer.submit(.put(namespace: id, dbi: dbi, key: Array(key.utf8), record: record,
                                                  expiration: expiration))
    }

    @discardableResult
    public func put(_ key: String, _ value: String, options: KVPutOptions = KVPutOptions()) async throws -> UInt64 {
        try await put(key, Array(value.utf8), options: options)
    }

    /// Stores a value given as a stream of chunks (for large values), with the same limits.
    @discardableResult
    public func put(_ key: String, stream: some AsyncSequence<[UInt8], any Error>, options: KVPutOptions = KVPutOptions()) async throws -> UInt64 {
        var bytes: [UInt8] = []
        for try await chunk in stream {
            bytes.append(contentsOf: chunk)
            try KVLimits.validateValue(length: bytes.count)
        }
        return try await put(key, bytes, options: options)
    }

    /// Deletes `key`; deleting a missing key succeeds.
    public func delete(_ key: String) async throws {
        try KVLimits.validateKey(key, operation: "delete")
        try await store.writer.submit(.delete(namespace: id, dbi: dbi, key: Array(key.utf8)))
    }

    // MARK: List

    /// Keys in byte order of their UTF-8, starting after `cursor`. Expired keys never appear.
    public func list(prefix: String? = nil, limit: Int = KVLimits.maxListLimit, cursor: String? = nil) throws -> KVListResult {
        try KVLimits.validateListLimit(limit)
        let prefixBytes = Array((prefix ?? "").utf8)
        var start = prefixBytes
        var startAfter = false
        if let cursor, !cursor.isEmpty {
            guard let decoded = ListCursor.decode(cursor) else {
                throw KVError(operation: "list", status: 400, message: "Invalid cursor.")
            }
            if decoded.lexicographicallyPrecedes(prefixBytes) == false { start = decoded; startAfter = true }
        }
        let now = store.nowSeconds
        // Bound the work of one page even when most keys in range have expired.
        let scanBudget = max(limit * 4, 10_000)
        return try store.readers.withTransaction { txn in
            var cursorPointer: OpaquePointer?
            try mdbCheck(mdb_cursor_open(txn, dbi, &cursorPointer), "list")
            guard let mdbCursor = cursorPointer else { throw KVError.storage("list", code: -1) }
            defer { mdb_cursor_close(mdbCursor) }
            var keys: [KVListKey] = []
            var key = MDB_val()
            var value = MDB_val()
            var rc = start.withUnsafeBytes { raw -> Int32 in
                key = MDB_val(mv_size: raw.count, mv_data: UnsafeMutableRawPointer(mutating: raw.baseAddress))
                return raw.isEmpty ? mdb_cursor_get(mdbCursor, &key, &value, MDB_FIRST)
                    : mdb_cursor_get(mdbCursor, &key, &value, MDB_SET_RANGE)
            }
            var scanned = 0
            var lastName: [UInt8]? = nil
            while rc == 0 {
                let name = Array(key.bytes)
                if !name.starts(with: prefixBytes) {
                    return KVListResult(keys: keys, listComplete: true, cursor: nil)
                }
                if startAfter && name == start {
                    rc = mdb_cursor_get(mdbCursor, &key, &value, MDB_NEXT)
                    continue
                }
                if keys.count == limit || scanned == scanBudget {
                    // More keys follow in range: the page ends before this one.
                    return KVListResult(keys: keys, listComplete: false,
                                        cursor: lastName.map(ListCursor.encode) ?? cursor)
                }
                scanned += 1
                if let view = StoredRecord.View(value.bytes), view.isLive(now: now) {
                    keys.append(KVListKey(name: String(decoding: name, as: UTF8.self),
                                          expiration: view.expiration == 0 ? nil : view.expiration,
                                          metadata: view.metadata.flatMap { try? JSONValue.parse($0) }))
                }
                lastName = name
                rc = mdb_cursor_get(mdbCursor, &key, &value, MDB_NEXT)
            }
            if rc != MDBCode.notFound { try mdbCheck(rc, "list") }
            return KVListResult(keys: keys, listComplete: true, cursor: nil)
        }
    }
}

/// List cursors are opaque to callers; inside they are the last key of the page, base64url-encoded.
enum ListCursor {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        var i = 0
        while i < bytes.count {
            let b0 = UInt32(bytes[i])
            let b1 = i + 1 < bytes.count ? UInt32(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? UInt32(bytes[i + 2]) : 0
            let n = b0 << 16 | b1 << 8 | b2
            out.append(alphabet[Int(n >> 18 & 63)])
            out.append(alphabet[Int(n >> 12 & 63)])
            if i + 1 < bytes.count { out.append(alphabet[Int(n >> 6 & 63)]) }
            if i + 2 < bytes.count { out.append(alphabet[Int(n & 63)]) }
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt32] = []
        for c in text.utf8 {
            guard let index = alphabet.firstIndex(of: c) else { return nil }
            values.append(UInt32(index))
        }
        guard values.count % 4 != 1 else { return nil }
        var out = [UInt8]()
        var i = 0
        while i < values.count {
            let chunk = values[i..<min(i + 4, values.count)]
            var n: UInt32 = 0
            for (j, v) in chunk.enumerated() { n |= v << (18 - 6 * UInt32(j)) }
            out.append(UInt8(n >> 16 & 255))
            if chunk.count > 2 { out.append(UInt8(n >> 8 & 255)) }
            if chunk.count > 3 { out.append(UInt8(n & 255)) }
            i += 4
        }
        return out
    }
}
