import EdgeJSON
import EdgeWorker

/// `/v1/members`: the organization's users and roles, and developers' per-environment permissions.
/// Nobody removes themselves, the last owner stays an owner, and only owners make or unmake owners.
enum FSMembers {
    static func shape(_ member: MemberRecord, user: UserRecord?) -> JSONValue {
        ["id": .string(member.userID), "user_id": .string(member.userID), "org_id": .string(member.orgID),
         "email": user.map { .string($0.email) } ?? .null, "name": user.map { .string($0.name) } ?? .null,
         "role": .string(member.role.rawValue), "created_at": .string(member.createdAt)]
    }

    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        var out: [JSONValue] = []
        let members = try call.service.accounts.members(org: call.member.orgID)
            .sorted { $0.createdAt < $1.createdAt }
        for member in members {
            out.append(shape(member, user: try call.service.accounts.user(id: member.userID)))
        }
        return .json(.array(out))
    }

    /// `{email, role?, name?, password?}`: without `role` a `developer`, as the reference. No email is
    /// sent, so a password given here is how the new member logs in; without one the member exists
    /// but cannot log in yet.
    static func invite(_ call: MemberCall) async throws(APIError) -> Response {
        let body = try call.featureSignalsBody()
        let email = AccountStore.normalizedEmail(try body.string("email") ?? "")
        guard !email.isEmpty else { throw .fs(400, "email is required") }
        guard email.contains("@"), email.utf8.count <= 254 else { throw .fs(400, "invalid email format") }
        let role = try self.role(body, default: .developer)
        let name = (try body.string("name") ?? "").trimmingSpaces
        let password = try body.string("password")
        if let password, password.count < 8 { throw .fs(400, "password must be at least 8 characters") }
        let service = call.service
        var hash: String?
        if let password { hash = await service.passwords.hash(password, random: call.env.random) }
        let org = call.member.orgID
        return try await service.writes.run { () async throws(APIError) -> Response in
            guard try service.accounts.user(email: email) == nil else { throw .fs(409, "email already registered") }
            let userID = call.newID(), stamp = call.timestamp
            let user = UserRecord(id: userID, email: email, name: name.isEmpty ? email : name, orgID: org, passwordHash: hash,
                                  createdAt: stamp, updatedAt: stamp)
            let member = MemberRecord(userID: userID, orgID: org, role: role, createdAt: stamp, updatedAt: stamp)
            try await service.accounts.tokens.put(KeyLayout.user(userID), user)
            try await service.flags.put(KeyLayout.member(org, userID), member)
            try await service.accounts.tokens.put(KeyLayout.email(email), UserIndex(userID: userID))
            let shown = shape(member, user: user)
            try await call.recordFeatureSignals(.create, event: "member.invited", resourceType: "member", key: email,
                                                id: userID, project: nil, before: nil, after: shown)
            return .json(shown, status: 201)
        }
    }

    static func update(_ call: MemberCall) async throws(APIError) -> Response {
        let id = call.parameter("id")
        let body = try call.featureSignalsBody()
        let role = try self.role(body)
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let before = try load(call, id)
            let current = before.role
            if (current == .owner || role == .owner) && call.member.role != .owner { throw .fsInsufficientPermissions }
            if current == .owner, role != .owner, try owners(call) <= 1 { throw .fs(400, "cannot demote the last owner") }
            var after = before
            after.role = role
            after.updatedAt = call.timestamp
            try await call.service.flags.put(KeyLayout.member(call.member.orgID, id), after)
            let user = try call.service.accounts.user(id: id)
            try await call.recordFeatureSignals(.update, event: "member.updated", resourceType: "member",
                                                key: user?.email ?? id, id: id, project: nil,
                                                before: shape(before, user: user), after: shape(after, user: user))
            return .json(shape(after, user: user))
        }
    }

    static func remove(_ call: MemberCall) async throws(APIError) -> Response {
        let id = call.parameter("id")
        guard id != call.member.userID else { throw .fs(400, "cannot remove yourself") }
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let before = try load(call, id)
            if before.role == .owner {
                guard call.member.role == .owner else { throw .fsInsufficientPermissions }
                guard try owners(call) > 1 else { throw .fs(400, "cannot remove the last owner") }
            }
            let user = try call.service.accounts.user(id: id)
            try await call.service.flags.delete(KeyLayout.member(call.member.orgID, id))
            if let email = user?.email {
                try await call.service.accounts.tokens.delete(KeyLayout.email(email))
            }
            try await call.service.accounts.tokens.delete(KeyLayout.user(id))
            try await call.recordFeatureSignals(.delete, event: "member.removed", resourceType: "member",
                                                key: user?.email ?? id, id: id, project: nil,
                                                before: shape(before, user: user), after: nil)
            return Response(status: 204, bytes: [])
        }
    }

    static func permissions(_ call: MemberCall) async throws(APIError) -> Response {
        .json(try load(call, call.parameter("id")).permissionsAnswer)
    }

    /// `[{env_id, can_toggle, can_edit_rules}]` (bare, or as `{"permissions": […]}`), replacing the set.
    static func setPermissions(_ call: MemberCall) async throws(APIError) -> Response {
        let id = call.parameter("id")
        let list: [JSONValue]
        switch try? JSONValue.parse(call.request.body, maxDepth: 16) {
        case .array(let items)?: list = items
        case .object(let fields)?:
            guard case .array(let items)? = fields["permissions"] else { throw .fsInvalidBody }
            list = items
        default: throw .fsInvalidBody
        }
        var entries: [MemberRecord.EnvironmentPermission] = []
        for item in list {
            guard case .string(let env)? = item["env_id"] else { throw .fsInvalidBody }
            let toggle = item["can_toggle"] ?? true, edit = item["can_edit_rules"] ?? true
            guard let canToggle = toggle.boolValue, let canEdit = edit.boolValue else { throw .fsInvalidBody }
            _ = try call.ownedEnvironment(env)
            entries.append(MemberRecord.EnvironmentPermission(envID: env, canToggle: canToggle, canEditRules: canEdit))
        }
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            var member = try load(call, id)
            member.permissions = entries
            member.updatedAt = call.timestamp
            try await call.service.flags.put(KeyLayout.member(call.member.orgID, id), member)
            return .json(member.permissionsAnswer)
        }
    }

    private static func load(_ call: MemberCall, _ id: String) throws(APIError) -> MemberRecord {
        guard UUIDText.isValid(id), let member = try call.service.accounts.member(org: call.member.orgID, user: id) else {
            throw .fs(404, "member not found")
        }
        return member
    }

    private static func owners(_ call: MemberCall) throws(APIError) -> Int {
        try call.service.accounts.members(org: call.member.orgID).filter { $0.role == .owner }.count
    }

    /// `role`; absent (or `""`, as the reference reads it) it is `default`, or a 400 without one.
    private static func role(_ body: Body, default fallback: Role? = nil) throws(APIError) -> Role {
        let text = try body.string("role") ?? ""
        if text.isEmpty, let fallback { return fallback }
        guard !text.isEmpty else { throw .fs(400, "role is required") }
        guard let role = Role(rawValue: text) else { throw .fs(400, "role must be one of owner, admin, developer, viewer") }
        return role
    }
}
