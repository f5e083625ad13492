import EdgeJSON

/// A user's membership of an organization (`member:<org>:<user id>` in `FLAGS`): the role every
/// request is authorized with, and a developer's per-environment limits.
struct MemberRecord: JSONRecord, Equatable {
    /// One environment's limits for a developer, `{env_id, can_toggle, can_edit_rules}`.
    struct EnvironmentPermission: Equatable, Sendable {
        var envID: String
        var canToggle: Bool
        var canEditRules: Bool

        /// Absent switches allow, as the reference reads them.
        init?(json: JSONValue) {
            guard let envID = json["env_id"]?.stringValue else { return nil }
            self.init(envID: envID, canToggle: json["can_toggle"]?.boolValue ?? true,
                      canEditRules: json["can_edit_rules"]?.boolValue ?? true)
        }

        init(envID: String, canToggle: Bool, canEditRules: Bool) {
            self.envID = envID
            self.canToggle = canToggle
            self.canEditRules = canEditRules
        }

        var json: JSONValue {
            ["env_id": .string(envID), "can_toggle": .bool(canToggle), "can_edit_rules": .bool(canEditRules)]
        }
    }

    var userID: String
    var orgID: String
    var role: Role
    var permissions: [EnvironmentPermission]
    var createdAt: String
    var updatedAt: String

    init(userID: String, orgID: String, role: Role, permissions: [EnvironmentPermission] = [], createdAt: String,
         updatedAt: String) {
        self.userID = userID
        self.orgID = orgID
        self.role = role
        self.permissions = permissions
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// A member whose role is not one of the four is not a member (it authorizes nothing).
    init?(json: [String: JSONValue]) {
        guard let userID = json["user_id"]?.stringValue, let orgID = json["org_id"]?.stringValue,
              let role = json["role"]?.stringValue.flatMap(Role.init(rawValue:)),
              let createdAt = json["created_at"]?.stringValue, let updatedAt = json["updated_at"]?.stringValue else { return nil }
        self.init(userID: userID, orgID: orgID, role: role,
                  permissions: (json["permissions"]?.arrayValue ?? []).compactMap(EnvironmentPermission.init(json:)),
                  createdAt: createdAt, updatedAt: updatedAt)
    }

    var json: [String: JSONValue] {
        ["user_id": .string(userID), "org_id": .string(orgID), "role": .string(role.rawValue),
         "permissions": permissionsAnswer, "created_at": .string(createdAt), "updated_at": .string(updatedAt)]
    }

    var permissionsAnswer: JSONValue { .array(permissions.map(\.json)) }

    /// What `Account.may` reads: env id → (can toggle, can edit rules).
    var environmentPermissions: [String: (toggle: Bool, editRules: Bool)] {
        var out: [String: (toggle: Bool, editRules: Bool)] = [:]
        for entry in permissions { out[entry.envID] = (entry.canToggle, entry.canEditRules) }
        return out
    }
}
