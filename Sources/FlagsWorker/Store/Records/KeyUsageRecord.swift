import EdgeJSON

/// When an `fs_` API key was last used (`apikeyused:<key id>` in `TOKENS`), written after
/// responses, at most every `APIKeyStore.lastUsedInterval` per key; revocation deletes it.
struct KeyUsageRecord: JSONRecord, Equatable {
    /// RFC 3339.
    var lastUsedAt: String

    init(lastUsedAt: String) {
        self.lastUsedAt = lastUsedAt
    }

    init?(json: [String: JSONValue]) {
        guard let lastUsedAt = json["last_used_at"]?.stringValue else { return nil }
        self.init(lastUsedAt: lastUsedAt)
    }

    var json: [String: JSONValue] { ["last_used_at": .string(lastUsedAt)] }
}
