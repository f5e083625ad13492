import EdgeJSON
import EdgeWorker

/// `/v1/environments/{envID}/api-keys` and `DELETE /v1/api-keys/{keyID}`: `fs_srv_`/`fs_cli_` + 48 hex,
/// stored by SHA-256 only, shown once, bound to one environment, revoked at once, and refused from
/// `expires_at` on when created with `expires_in_days`.
enum FSAPIKeys {
    /// A hundred years: past it `expires_in_days` is a mistake, not a lifetime.
    static let maxExpiresInDays = 36_500

    static func create(_ call: MemberCall) async throws(APIError) -> Response {
        let envID = call.parameter("envID")
        let body = try call.featureSignalsBody()
        let name = (try body.string("name") ?? "").trimmingSpaces
        let type = try body.string("type") ?? "server"
        guard !name.isEmpty, name.count <= 200 else { throw .fs(400, "name is required") }
        guard type == "server" || type == "client" else { throw .fs(400, "type must be server or client") }
        let expiresAt = try expiry(body, now: call.now)
        let (project, environment) = try call.ownedEnvironment(envID)
        let key = APIKeyStore.generate(type: type, random: call.env.random)
        var fields: [String: JSONValue] = [
            "id": .string(call.newID()), "name": .string(name), "type": .string(type), "key_prefix": .string(String(key.prefix(12))),
            "env_id": .string(envID), "env_slug": .string(environment.slug), "project_id": .string(project.id),
            "org_id": .string(call.member.orgID), "created_at": .string(call.timestamp),
        ]
        if let expiresAt { fields["expires_at"] = .string(expiresAt) }
        guard let record = APIKeyRecord(hash: TokenStore.hash(key), record: fields) else { throw .internalError }
        try await call.service.apiKeys.create(record)
        var shown: [String: JSONValue] = ["id": .string(record.id), "key": .string(key), "key_prefix": .string(record.keyPrefix),
                                          "name": .string(name), "type": .string(type), "env_id": .string(envID),
                                          "created_at": .string(record.createdAt)]
        if let expiresAt { shown["expires_at"] = .string(expiresAt) }
        try await call.recordFeatureSignals(.create, event: "api_key.created", resourceType: "api_key", key: record.keyPrefix,
                                            id: record.id, project: record.projectID, before: nil,
                                            after: record.listed(lastUsedAt: .null), environment: envID,
                                            metadata: ["key_prefix": .string(record.keyPrefix)])
        return .json(.object(shown), status: 201)
    }

    /// `expires_in_days`: a whole number of days from now; absent, `null` or `0` is a key that never
    /// expires (as the reference server has it); negative, fractional or absurd values are refused
    /// rather than silently giving a key that never expires.
    static func expiry(_ body: Body, now: Double) throws(APIError) -> String? {
        let invalid = APIError.fs(400, "expires_in_days must be a whole number of days from 0 to \(maxExpiresInDays)")
        guard let value = body["expires_in_days"] else { return nil }
        guard case .number(let days) = value, days == days.rounded(), days >= 0, days <= Double(maxExpiresInDays) else {
            throw invalid
        }
        return days == 0 ? nil : Timestamp.format(now + days * 86_400)
    }

    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        let envID = call.parameter("envID")
        _ = try call.ownedEnvironment(envID)
        var out: [JSONValue] = []
        for record in try call.service.apiKeys.all() where record.environmentID == envID {
            out.append(record.listed(lastUsedAt: try call.service.apiKeys.lastUsed(record.id)))
        }
        return .json(.array(out))
    }

    static func revoke(_ call: MemberCall) async throws(APIError) -> Response {
        let id = call.parameter("keyID")
        guard let record = try call.service.apiKeys.all().first(where: { $0.id == id && $0.orgID == call.member.orgID }) else {
            throw .fs(404, "api key not found")
        }
        try await call.service.apiKeys.revoke(record)
        try await call.recordFeatureSignals(.delete, event: "api_key.revoked", resourceType: "api_key", key: record.keyPrefix,
                                            id: record.id, project: record.projectID, before: record.listed(lastUsedAt: .null),
                                            after: nil, environment: record.environmentID,
                                            metadata: ["key_prefix": .string(record.keyPrefix)])
        return Response(status: 204, bytes: [])
    }
}
