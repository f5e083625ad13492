import EdgeJSON
import EdgeWorker
import Synchronization

/// A FeatureSignals API key as stored in `TOKENS` under `apikey:<sha256 of the key>`: bound to one
/// environment of one project, and refused from `expires_at` on when it has one (keys stored before
/// expiry existed have none and never expire).
struct APIKeyRecord: Sendable {
    var hash: String
    var id: String
    var name: String
    var type: String
    var keyPrefix: String
    var environmentID: String
    var environmentSlug: String
    var projectID: String
    var orgID: String
    var createdAt: String
    /// RFC 3339, as stored and shown; `expiry` is the same instant in seconds.
    var expiresAt: String?
    var expiry: Double?

    init?(hash: String, record: [String: JSONValue]) {
        guard let id = record["id"]?.stringValue, let name = record["name"]?.stringValue,
              let type = record["type"]?.stringValue, let prefix = record["key_prefix"]?.stringValue,
              let env = record["env_id"]?.stringValue, let slug = record["env_slug"]?.stringValue,
              let project = record["project_id"]?.stringValue, let org = record["org_id"]?.stringValue,
              let created = record["created_at"]?.stringValue else { return nil }
        self.hash = hash
        self.id = id
        self.name = name
        self.type = type
        keyPrefix = prefix
        environmentID = env
        environmentSlug = slug
        projectID = project
        orgID = org
        createdAt = created
        if let text = record["expires_at"]?.stringValue {
            guard let seconds = Timestamp.parse(text) else { return nil }
            expiresAt = text
            expiry = seconds
        }
    }

    /// True from the instant the key expires.
    func isExpired(now: Double) -> Bool {
        expiry.map { now >= $0 } ?? false
    }

    var record: [String: JSONValue] {
        var out: [String: JSONValue] = [
            "id": .string(id), "name": .string(name), "type": .string(type), "key_prefix": .string(keyPrefix),
            "env_id": .string(environmentID), "env_slug": .string(environmentSlug), "project_id": .string(projectID),
            "org_id": .string(orgID), "created_at": .string(createdAt)]
        if let expiresAt { out["expires_at"] = .string(expiresAt) }
        return out
    }

    /// The listing shape: never the key or its hash.
    func listed(lastUsedAt: JSONValue) -> JSONValue {
        ["id": .string(id), "name": .string(name), "type": .string(type), "key_prefix": .string(keyPrefix),
         "env_id": .string(environmentID), "created_at": .string(createdAt), "expires_at": expiresAt.map(JSONValue.string) ?? .null,
         "last_used_at": lastUsedAt]
    }
}

/// `fs_srv_`/`fs_cli_` keys over `TOKENS`: created from the CSPRNG (shown once), found by hash through
/// a cache keyed by the namespace's change sequence (a revocation is seen by the next request), and
/// `last_used_at` written after responses, at most once per key every `lastUsedInterval` seconds.
final class APIKeyStore: Sendable {
    static let lastUsedInterval: Double = 10
    let store: RecordStore
    private let cache = CredentialCache<APIKeyRecord>()
    /// Key id → the newest use not yet written, and when each key's use was last written.
    private let usage = Mutex<(pending: [String: Double], written: [String: Double])>(([:], [:]))

    init(kv: RecordStore) { store = kv }

    static func generate(type: String, random: RandomSource) -> String {
        (type == "client" ? "fs_cli_" : "fs_srv_") + Hex.encode(random.bytes(24))
    }

    /// The live key: unknown, revoked and expired keys are all nil, told apart by nobody.
    func authenticate(_ key: String, now: Double) throws(APIError) -> APIKeyRecord? {
        guard key.utf8.count <= 128 else { return nil }
        let record = try cache.record(TokenStore.digest(key), kv: store.kv) { hash throws(APIError) in
            try store.get(KeyLayout.apiKey(hash)).flatMap { APIKeyRecord(hash: hash, record: $0) }
        }
        guard let record, !record.isExpired(now: now) else { return nil }
        return record
    }

    func create(_ record: APIKeyRecord) async throws(APIError) {
        try await store.put(KeyLayout.apiKey(record.hash), record.record)
    }

    func all() throws(APIError) -> [APIKeyRecord] {
        var out: [APIKeyRecord] = []
        for key in try store.keys(prefix: KeyLayout.apiKeys) {
            let hash = String(key.dropFirst(KeyLayout.apiKeys.count))
            if let record = try store.get(key).flatMap({ APIKeyRecord(hash: hash, record: $0) }) { out.append(record) }
        }
        return out.sorted { $0.createdAt == $1.createdAt ? $0.id < $1.id : $0.createdAt < $1.createdAt }
    }

    func lastUsed(_ id: String) throws(APIError) -> JSONValue {
        try store.get(KeyUsageRecord.self, KeyLayout.apiKeyUsed(id)).map { .string($0.lastUsedAt) } ?? .null
    }

    func revoke(_ record: APIKeyRecord) async throws(APIError) {
        try await store.delete(KeyLayout.apiKey(record.hash))
        try await store.delete(KeyLayout.apiKeyUsed(record.id))
    }

    /// Notes a use; returns true when the caller should `flushUsage` after its response.
    func noteUse(_ id: String, now: Double) -> Bool {
        usage.withLock { state in
            state.pending[id] = now
            return now - (state.written[id] ?? 0) >= Self.lastUsedInterval
        }
    }

    /// Writes every pending `last_used_at` that is due. Keys revoked meanwhile are not brought back:
    /// the time lives under its own key, which revocation deletes and this skips.
    func flushUsage(now: Double) async {
        let due = usage.withLock { state -> [(String, Double)] in
            let ready = state.pending.filter { now - (state.written[$0.key] ?? 0) >= Self.lastUsedInterval }
            for (id, _) in ready {
                state.pending.removeValue(forKey: id)
                state.written[id] = now
            }
            if state.written.count > 100_000 { state.written = state.written.filter { now - $0.value < 3600 } }
            return Array(ready)
        }
        let live = Set(((try? all()) ?? []).map(\.id))
        for (id, time) in due where live.contains(id) {
            try? await store.put(KeyLayout.apiKeyUsed(id), KeyUsageRecord(lastUsedAt: Timestamp.format(time)))
        }
    }
}
