import EdgeJSON
import EdgeWorker

/// Users, organizations, memberships and login sessions over KV (see `KeyLayout`): credentials in
/// `TOKENS` (a user's password hash, sessions, revocations), the organization and its members in
/// `FLAGS` beside the projects they own.
struct AccountStore: Sendable {
    let tokens: RecordStore
    let flags: RecordStore

    static func normalizedEmail(_ email: String) -> String { email.trimmingSpaces.lowercased() }

    func user(id: String) throws(APIError) -> UserRecord? {
        try tokens.get(UserRecord.self, KeyLayout.user(id))
    }

    func user(email: String) throws(APIError) -> UserRecord? {
        guard let index = try tokens.get(UserIndex.self, KeyLayout.email(Self.normalizedEmail(email))) else { return nil }
        return try user(id: index.userID)
    }

    func organization(_ id: String) throws(APIError) -> OrganizationRecord? {
        try flags.get(OrganizationRecord.self, KeyLayout.organization(id))
    }

    func member(org: String, user: String) throws(APIError) -> MemberRecord? {
        try flags.get(MemberRecord.self, KeyLayout.member(org, user))
    }

    func members(org: String) throws(APIError) -> [MemberRecord] {
        try flags.records(MemberRecord.self, prefix: KeyLayout.members(org))
    }

    /// A slug for a new organization: `base`, or `base-<6 hex>` when it is taken.
    func freeSlug(_ base: String, random: RandomSource) throws(APIError) -> String {
        var slug = base.isEmpty ? "org" : base
        while try flags.get(KeyLayout.organizationSlug(slug)) != nil {
            slug = (base.isEmpty ? "org" : base) + "-" + Hex.encode(random.bytes(3))
        }
        return slug
    }

    // MARK: sessions

    /// Starts a login session (a refresh family); it lives as long as a refresh token.
    func startSession(_ id: String, userID: String, orgID: String, refreshID: String, now: Double,
                      ttl: Double) async throws(APIError) {
        try await tokens.put(KeyLayout.session(id),
                             SessionRecord(userID: userID, orgID: orgID, refreshJTI: refreshID, createdAt: Timestamp.format(now)),
                             ttl: Self.kvTTL(ttl))
    }

    func session(_ id: String) throws(APIError) -> SessionRecord? {
        try tokens.get(SessionRecord.self, KeyLayout.session(id))
    }

    /// The session is live: present and not revoked.
    func sessionIsLive(_ id: String) throws(APIError) -> Bool {
        try session(id)?.isLive ?? false
    }

    func rotate(session id: String, to refreshID: String, now: Double, ttl: Double) async throws(APIError) {
        guard var record = try session(id) else { return }
        record.refreshJTI = refreshID
        record.rotatedAt = Timestamp.format(now)
        try await tokens.put(KeyLayout.session(id), record, ttl: Self.kvTTL(ttl))
    }

    /// Revokes a whole family: every access and refresh token of the session stops working. The
    /// record stays (with `revoked_at`) until it expires, so a stolen refresh token is recognized.
    /// A session that is not stored is not live already.
    func revoke(session id: String, now: Double, ttl: Double) async throws(APIError) {
        guard var record = try session(id) else { return }
        record.revokedAt = Timestamp.format(now)
        try await tokens.put(KeyLayout.session(id), record, ttl: Self.kvTTL(ttl))
    }

    /// Revokes one token by its `jti` until it would have expired anyway.
    func revoke(tokenID: String, expiresAt: Double, now: Double) async throws(APIError) {
        try await tokens.put(KeyLayout.revoked(tokenID), ["revoked_at": .string(Timestamp.format(now))],
                             ttl: Self.kvTTL(expiresAt - now))
    }

    func isRevoked(tokenID: String) throws(APIError) -> Bool {
        try tokens.get(KeyLayout.revoked(tokenID)) != nil
    }

    /// KV expirations are at least 60 s away.
    static func kvTTL(_ seconds: Double) -> Int64 { max(60, Int64(seconds.rounded(.up))) }
}

/// Random (version 4) UUIDs from the worker's random source, lowercase.
enum UUIDText {
    static func make(_ random: RandomSource) -> String {
        var bytes = random.bytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = Hex.encode(bytes)
        let parts = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range -> String in
            let start = hex.index(hex.startIndex, offsetBy: range.lowerBound)
            let end = hex.index(hex.startIndex, offsetBy: range.upperBound)
            return String(hex[start..<end])
        }
        return parts.joined(separator: "-")
    }

    static func isValid(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if [8, 13, 18, 23].contains(index) {
                guard byte == 0x2D else { return false }
            } else if !((byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)) {
                return false
            }
        }
        return true
    }
}

/// FeatureSignals slugs: lowercase, runs outside `[a-z0-9]` become `-`, trimmed of `-`.
enum Slug {
    static func make(_ text: String) -> String {
        var out: [UInt8] = []
        var pendingDash = false
        for byte in text.lowercased().utf8 {
            if (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) {
                if pendingDash && !out.isEmpty { out.append(0x2D) }
                pendingDash = false
                out.append(byte)
            } else {
                pendingDash = true
            }
        }
        return String(decoding: out.prefix(100), as: UTF8.self)
    }
}
