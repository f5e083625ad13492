import EdgeJSON
import EdgeKV

/// JSON records in a KV namespace, with KV failures turned into the API's 500/503/507.
struct RecordStore: Sendable {
    let kv: KVNamespace

    func get(_ key: String) throws(APIError) -> [String: JSONValue]? {
        do {
            guard let value = try kv.getJSON(key) else { return nil }
            return value.objectValue
        } catch let error as KVError where error.status == 414 {
            return nil  // a key too long to store (from a request path) names no record
        } catch let error as KVError {
            throw storageError(error)
        } catch {
            return nil  // a stored value that is not JSON is not a record
        }
    }

    /// The typed record at `key`; nil when there is none or what is stored is not one.
    func get<Record: JSONRecord>(_ type: Record.Type, _ key: String) throws(APIError) -> Record? {
        try get(key).flatMap(Record.init(json:))
    }

    func put(_ key: String, _ record: some JSONRecord, ttl: Int64? = nil) async throws(APIError) {
        try await put(key, record.json, ttl: ttl)
    }

    func put(_ key: String, _ record: [String: JSONValue], ttl: Int64? = nil) async throws(APIError) {
        do {
            _ = try await kv.put(key, JSONValue.object(record).serialized(), options: KVPutOptions(expirationTTL: ttl))
        } catch let error as KVError {
            throw storageError(error)
        } catch {
            throw APIError.internalError
        }
    }

    func delete(_ key: String) async throws(APIError) {
        do {
            try await kv.delete(key)
        } catch let error as KVError {
            throw storageError(error)
        } catch {
            throw APIError.internalError
        }
    }

    /// Every key under `prefix`, in byte order, following cursors.
    func keys(prefix: String) throws(APIError) -> [String] {
        var names: [String] = []
        try forEachPage(prefix: prefix) { names.append(contentsOf: $0.map(\.name)) }
        return names
    }

    /// Every record under `prefix`, in key order.
    func records(prefix: String) throws(APIError) -> [[String: JSONValue]] {
        var out: [[String: JSONValue]] = []
        try forEachRecord(prefix: prefix) { out.append($0) }
        return out
    }

    /// Every typed record under `prefix`, in key order; objects that are not one are skipped.
    func records<Record: JSONRecord>(_ type: Record.Type, prefix: String) throws(APIError) -> [Record] {
        var out: [Record] = []
        try forEachRecord(prefix: prefix) { if let record = Record(json: $0) { out.append(record) } }
        return out
    }

    /// Hands each record under `prefix` to `body` in key order, one at a time: compiling a project
    /// of 100,000 flags never holds all their parse trees at once.
    func forEachRecord(prefix: String, _ body: ([String: JSONValue]) throws(APIError) -> Void) throws(APIError) {
        try forEachPage(prefix: prefix) { keys throws(APIError) in
            for key in keys {
                if let record = try get(key.name) { try body(record) }
            }
        }
    }

    /// The keys under `prefix` a listing page (1,000) at a time, following cursors.
    private func forEachPage(prefix: String, _ body: ([KVListKey]) throws(APIError) -> Void) throws(APIError) {
        var cursor: String?
        repeat {
            let page: KVListResult
            do {
                page = try kv.list(prefix: prefix, limit: 1000, cursor: cursor)
            } catch let error as KVError {
                throw storageError(error)
            } catch {
                throw APIError.internalError
            }
            try body(page.keys)
            cursor = page.listComplete ? nil : page.cursor
        } while cursor != nil
    }

    func storageError(_ error: KVError) -> APIError {
        switch error.status {
        case 507: return APIError(status: 507, code: "INTERNAL_ERROR", message: "Storage is full")
        case 503: return APIError(status: 503, code: "INTERNAL_ERROR", message: "Service is shutting down")
        case 403 where kv.readOnlyOrigin != nil:
            // A write that reached a read-only replica: say where writes go.
            return APIError(status: 403, code: "READ_ONLY_REPLICA", message: error.message,
                            details: .object(["origin": .string(kv.readOnlyOrigin ?? "")]))
        case 400..<500: return .validation(error.message)
        default: return .internalError
        }
    }
}
