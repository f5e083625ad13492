import EdgeJSON

/// A login's refresh family (`session:<id>` in `TOKENS`, KV TTL = the refresh TTL): the one refresh
/// token of it that is current, and whether the whole family was revoked.
struct SessionRecord: JSONRecord, Equatable {
    var userID: String
    var orgID: String
    /// The `jti` of the refresh token that may be presented next; any other is a copy.
    var refreshJTI: String
    var createdAt: String
    var rotatedAt: String?
    var revokedAt: String?

    init(userID: String, orgID: String, refreshJTI: String, createdAt: String, rotatedAt: String? = nil,
         revokedAt: String? = nil) {
        self.userID = userID
        self.orgID = orgID
        self.refreshJTI = refreshJTI
        self.createdAt = createdAt
        self.rotatedAt = rotatedAt
        self.revokedAt = revokedAt
    }

    init?(json: [String: JSONValue]) {
        guard let userID = json["user_id"]?.stringValue, let orgID = json["org_id"]?.stringValue,
              let refreshJTI = json["refresh_jti"]?.stringValue, let createdAt = json["created_at"]?.stringValue else {
            return nil
        }
        self.init(userID: userID, orgID: orgID, refreshJTI: refreshJTI, createdAt: createdAt,
                  rotatedAt: json["rotated_at"]?.stringValue, revokedAt: json["revoked_at"]?.stringValue)
    }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = ["user_id": .string(userID), "org_id": .string(orgID),
                                        "refresh_jti": .string(refreshJTI), "created_at": .string(createdAt)]
        if let rotatedAt { out["rotated_at"] = .string(rotatedAt) }
        if let revokedAt { out["revoked_at"] = .string(revokedAt) }
        return out
    }

    var isLive: Bool { revokedAt == nil }
}
