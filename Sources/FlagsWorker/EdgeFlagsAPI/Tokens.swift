import EdgeJSON
import EdgeWorker

/// `/api/v1/tokens` (admin): create (plaintext returned once), list (never a plaintext), revoke.
enum Tokens {
    static func create(_ call: Call<TokenAdministrator>) async throws(APIError) -> Response {
        let body = try Body(call.request)
        try body.require("name", "project_id", "permissions")
        guard let name = try body.string("name"), !name.isEmpty, name.count <= 200 else {
            throw .validation("Invalid field type: name must be a non-empty string of at most 200 characters")
        }
        let projectID = try body.string("project_id") ?? ""
        guard let permissions = try body.strings("permissions"), !permissions.isEmpty else {
            throw Body.wrongType("permissions", "a non-empty array of strings")
        }
        for permission in permissions where Permission(rawValue: permission) == nil {
            throw .validation("Invalid permission \"\(permission)\": must be one of read:flags, read:configs, write:flags, write:configs, *")
        }
        var expiresAt: String?
        if let text = try body.string("expires_at") {
            guard let seconds = Timestamp.parse(text) else {
                throw .validation("Invalid field type: expires_at must be an ISO 8601 timestamp")
            }
            guard seconds > call.now else { throw .validation("expires_at must be in the future") }
            expiresAt = Timestamp.format(seconds)
        }
        switch call.caller {
        case .member(let account):
            // The bridge: an owner or admin mints tokens for any project of its organization.
            guard let project = try call.service.flags.get(ProjectRecord.self, KeyLayout.project(projectID)),
                  project.orgID == account.orgID else { throw .notFound("Project not found") }
        case .token(let token):
            // An admin token mints tokens for its own project only.
            guard projectID == token.projectID else { throw .forbidden }
        }
        let created: (token: String, record: TokenRecord)
        do {
            created = try await call.service.tokens.create(projectID: projectID, name: name, permissions: permissions,
                                                            expiresAt: expiresAt)
        } catch let error as APIError {
            throw error
        } catch {
            throw .internalError
        }
        let meta = JSONValue.object(created.record.record)
        try await call.recorded(.create, "token", key: created.record.tokenPrefix, project: projectID, before: nil, after: meta)
        return .json(["success": true, "token": .string(created.token), "meta": meta], status: 201)
    }

    static func list(_ call: TokenCall) async throws(APIError) -> Response {
        let tokens = try call.service.tokens.list(projectID: call.project)
        return .json(["tokens": .array(tokens.map(\.listed))])
    }

    static func revoke(_ call: TokenCall) async throws(APIError) -> Response {
        let hash = call.parameter("hash").lowercased()
        guard let record = try call.service.tokens.record(hash: hash), record.projectID == call.project else {
            throw .notFound("Token not found")
        }
        try await call.service.tokens.revoke(hash: hash)
        try await call.recorded(.delete, "token", key: record.tokenPrefix, before: .object(record.record), after: nil)
        return .json(["success": true])
    }
}
