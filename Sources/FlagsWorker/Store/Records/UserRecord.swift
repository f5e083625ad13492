import EdgeJSON

/// A FeatureSignals user (`user:<id>` in `TOKENS`, found by email through `email:<lowercased email>`).
struct UserRecord: JSONRecord, Equatable {
    var id: String
    /// Lowercased and trimmed.
    var email: String
    var name: String
    var orgID: String
    /// scrypt (`PasswordHasher`), never answered; nil for a member invited without a password,
    /// who cannot log in yet.
    var passwordHash: String?
    var createdAt: String
    var updatedAt: String

    init(id: String, email: String, name: String, orgID: String, passwordHash: String?, createdAt: String,
         updatedAt: String) {
        self.id = id
        self.email = email
        self.name = name
        self.orgID = orgID
        self.passwordHash = passwordHash
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    init?(json: [String: JSONValue]) {
        guard let id = json["id"]?.stringValue, let email = json["email"]?.stringValue, let name = json["name"]?.stringValue,
              let orgID = json["org_id"]?.stringValue, let createdAt = json["created_at"]?.stringValue,
              let updatedAt = json["updated_at"]?.stringValue else { return nil }
        self.init(id: id, email: email, name: name, orgID: orgID, passwordHash: json["password_hash"]?.stringValue,
                  createdAt: createdAt, updatedAt: updatedAt)
    }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = ["id": .string(id), "email": .string(email), "name": .string(name),
                                        "org_id": .string(orgID), "created_at": .string(createdAt),
                                        "updated_at": .string(updatedAt)]
        if let passwordHash { out["password_hash"] = .string(passwordHash) }
        return out
    }

    /// The FeatureSignals answer (login's has no times).
    func answer(full: Bool = true) -> JSONValue {
        var out: [String: JSONValue] = ["id": .string(id), "email": .string(email), "name": .string(name)]
        if full {
            out["created_at"] = .string(createdAt)
            out["updated_at"] = .string(updatedAt)
        }
        return .object(out)
    }
}
