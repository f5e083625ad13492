import EdgeJSON
import EdgeWorker

/// The `edgeworker token …` commands: the flag service's own, over the same stores as the API.
extension FlagsWorker {
    /// `edgeworker token create`: validates like `POST /api/v1/tokens` and returns the plaintext
    /// (to print once) with its stored record.
    public static func createToken(env: Env, projectID: String, name: String, permissions: [String],
                                   expiresAt: String?) async throws -> (token: String, record: TokenRecord) {
        let service = try Service(env: env)
        try await service.prepare(now: env.clock())
        guard try service.flags.get(KeyLayout.project(projectID)) != nil else {
            throw OperatorError("no project \"\(projectID)\" in this store")
        }
        guard !name.isEmpty else { throw OperatorError("--name must not be empty") }
        guard !permissions.isEmpty else { throw OperatorError("--permissions must name at least one permission") }
        for permission in permissions where Permission(rawValue: permission) == nil {
            throw OperatorError("invalid permission \"\(permission)\" (read:flags, read:configs, write:flags, write:configs, *)")
        }
        var expiry: String?
        if let expiresAt {
            guard let seconds = Timestamp.parse(expiresAt), seconds > env.clock() else {
                throw OperatorError("--expires-at must be a future ISO 8601 timestamp")
            }
            expiry = Timestamp.format(seconds)
        }
        return try await service.tokens.create(projectID: projectID, name: name, permissions: permissions, expiresAt: expiry)
    }

    /// `edgeworker token list`: the project's tokens as the API lists them (never a plaintext).
    public static func listTokens(env: Env, projectID: String) throws -> JSONValue {
        let service = try Service(env: env)
        return .array(try service.tokens.list(projectID: projectID).map(\.listed))
    }

    /// `edgeworker token revoke HASH`; false when no such token exists.
    public static func revokeToken(env: Env, hash: String) async throws -> Bool {
        let service = try Service(env: env)
        guard try service.tokens.record(hash: hash.lowercased()) != nil else { return false }
        try await service.tokens.revoke(hash: hash.lowercased())
        return true
    }
}
