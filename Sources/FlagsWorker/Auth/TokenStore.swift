import Crypto
import EdgeJSON
import EdgeKV
import EdgeWorker
import Synchronization

/// A token as stored in `TOKENS` under the SHA-256 of its plaintext.
public struct TokenRecord: Sendable, Equatable {
    public var hash: String
    public var name: String
    public var tokenPrefix: String
    public var projectID: String
    public var permissions: [String]
    public var createdAt: String
    public var expiresAt: String? {
        didSet { expiresAtSeconds = expiresAt.flatMap(Timestamp.parse) }
    }
    /// `expiresAt` parsed once, not on every request.
    private var expiresAtSeconds: Double?

    func allows(_ permission: Permission) -> Bool {
        permissions.contains(Permission.admin.rawValue) || permissions.contains(permission.rawValue)
    }
    var isAdmin: Bool { permissions.contains(Permission.admin.rawValue) }
    /// How the audit log and the tail name the actor: never the secret part.
    var actor: String { "\(tokenPrefix)..." }

    func isExpired(now: Double) -> Bool {
        guard let seconds = expiresAtSeconds else { return false }
        return seconds <= now
    }

    var record: [String: JSONValue] {
        var out: [String: JSONValue] = [
            "name": .string(name), "token_prefix": .string(tokenPrefix), "project_id": .string(projectID),
            "permissions": .array(permissions.map(JSONValue.string)), "created_at": .string(createdAt),
        ]
        if let expiresAt { out["expires_at"] = .string(expiresAt) }
        return out
    }

    /// The listing shape: the record plus its hash, never a plaintext.
    var listed: JSONValue {
        var out = record
        out["hash"] = .string(hash)
        return .object(out)
    }

    init(hash: String, name: String, tokenPrefix: String, projectID: String, permissions: [String],
         createdAt: String, expiresAt: String?) {
        self.hash = hash
        self.name = name
        self.tokenPrefix = tokenPrefix
        self.projectID = projectID
        self.permissions = permissions
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        expiresAtSeconds = expiresAt.flatMap(Timestamp.parse)
    }

    init?(hash: String, record: [String: JSONValue]) {
        guard let name = record["name"]?.stringValue, let prefix = record["token_prefix"]?.stringValue,
              let project = record["project_id"]?.stringValue, let created = record["created_at"]?.stringValue,
              let permissions = record["permissions"]?.arrayValue?.compactMap(\.stringValue) else { return nil }
        self.init(hash: hash, name: name, tokenPrefix: prefix, projectID: project, permissions: permissions,
                  createdAt: created, expiresAt: record["expires_at"]?.stringValue)
    }
}

/// `ff_` tokens over the `TOKENS` namespace: creation (CSPRNG, shown once), lookup by hash with an
/// in-memory cache invalidated by the namespace's change sequence, listing and revocation.
public struct TokenStore: Sendable {
    let store: RecordStore
    let random: RandomSource
    let clock: @Sendable () -> Double
    let cache: TokenCache

    public init(env: Env) throws {
        guard let kv = env.kv["TOKENS"] else { throw OperatorError("the TOKENS namespace is not bound") }
        self.init(kv: kv, random: env.random, clock: env.clock, cache: TokenCache())
    }

    init(kv: KVNamespace, random: RandomSource, clock: @escaping @Sendable () -> Double, cache: TokenCache) {
        store = RecordStore(kv: kv)
        self.random = random
        self.clock = clock
        self.cache = cache
    }

    /// The lowercase hex SHA-256 of a presented token: the only form in which tokens are stored.
    public static func hash(_ token: String) -> String {
        digest(token).hexString
    }

    /// The SHA-256 of a presented credential, hashed where its bytes are (the credential caches are
    /// keyed by it, so a request that hits them formats no hex).
    static func digest(_ credential: String) -> SHA256Digest {
        var credential = credential
        return credential.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
    }

    /// Creates a token and returns its plaintext (shown once) with the stored record.
    public func create(projectID: String, name: String, permissions: [String], expiresAt: String? = nil)
        async throws -> (token: String, record: TokenRecord)
    {
        let token = "ff_\(String(projectID.prefix(4)))_\(Self.randomPart(random))"
        let hash = Self.hash(token)
        let record = TokenRecord(hash: hash, name: name, tokenPrefix: String(token.prefix(12)), projectID: projectID,
                                 permissions: permissions, createdAt: Timestamp.format(clock()), expiresAt: expiresAt)
        try await store.put(hash, record.record)
        return (token, record)
    }

    /// Stores an operator-chosen token (`EDGE_BOOTSTRAP_TOKEN`) as an admin of `projectID`, once.
    func installBootstrap(_ token: String, projectID: String) async throws(APIError) {
        let hash = Self.hash(token)
        guard try store.get(hash) == nil else { return }
        let record = TokenRecord(hash: hash, name: "bootstrap", tokenPrefix: String(token.prefix(12)),
                                 projectID: projectID, permissions: ["*"], createdAt: Timestamp.format(clock()),
                                 expiresAt: nil)
        try await store.put(hash, record.record)
    }

    /// The valid (present, unexpired) token for a presented plaintext.
    func authenticate(_ token: String) throws(APIError) -> TokenRecord? {
        let record = try cache.record(Self.digest(token), kv: store.kv) { hash throws(APIError) in
            try store.get(hash).flatMap { TokenRecord(hash: hash, record: $0) }
        }
        guard let record, !record.isExpired(now: clock()) else { return nil }
        return record
    }

    func list(projectID: String) throws(APIError) -> [TokenRecord] {
        var out: [TokenRecord] = []
        // ff_ tokens are the keys that are bare hashes; accounts and API keys have prefixes.
        for key in try store.keys(prefix: "") where key.utf8.count == 64 && !key.contains(":") {
            if let record = try store.get(key).flatMap({ TokenRecord(hash: key, record: $0) }), record.projectID == projectID {
                out.append(record)
            }
        }
        return out.sorted { $0.createdAt == $1.createdAt ? $0.hash < $1.hash : $0.createdAt < $1.createdAt }
    }

    func record(hash: String) throws(APIError) -> TokenRecord? {
        guard hash.utf8.count == 64, hash.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            return nil
        }
        return try store.get(hash).flatMap { TokenRecord(hash: hash, record: $0) }
    }

    func revoke(hash: String) async throws(APIError) {
        try await store.delete(hash)
    }

    /// 20 characters of [a-z0-9] from the CSPRNG: log2(36^20) ≈ 103 bits. Rejection sampling keeps
    /// every character equally likely.
    static func randomPart(_ random: RandomSource) -> String {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        var out: [UInt8] = []
        while out.count < 20 {
            for byte in random.bytes(32) where byte < 252 && out.count < 20 {
                out.append(alphabet[Int(byte) % 36])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Credential records by the SHA-256 of the credential (`ff_` tokens, `fs_` API keys), valid for one
/// `TOKENS` sequence: any change to the namespace (a revoke, a new credential, another process's
/// write) empties it.
final class CredentialCache<Record: Sendable>: Sendable {
    struct Entry { var record: Record? }
    private struct State {
        var sequence: UInt64 = .max
        var entries: [SHA256Digest: Entry] = [:]
    }
    private let state = Mutex(State())

    func lookup(_ digest: SHA256Digest, sequence: UInt64) -> Entry? {
        state.withLock { s in s.sequence == sequence ? s.entries[digest] : nil }
    }

    func store(_ digest: SHA256Digest, _ record: Record?, sequence: UInt64) {
        state.withLock { s in
            if s.sequence != sequence || s.entries.count > 100_000 {
                s.sequence = sequence
                s.entries.removeAll(keepingCapacity: true)
            }
            s.entries[digest] = Entry(record: record)
        }
    }

    /// The cached record, else `load(hex of digest)` (one KV read) remembered for this sequence.
    func record(_ digest: SHA256Digest, kv: KVNamespace,
                load: (String) throws(APIError) -> Record?) throws(APIError) -> Record? {
        if let cached = lookup(digest, sequence: kv.sequence) { return cached.record }
        let sequence = kv.sequence
        let record = try load(digest.hexString)
        store(digest, record, sequence: sequence)
        return record
    }
}

typealias TokenCache = CredentialCache<TokenRecord>
