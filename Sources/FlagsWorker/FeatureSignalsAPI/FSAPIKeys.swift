import EdgeJSON
import EdgeWorker

/// `/v1/environments/{envID}/api-keys` and `DELETE /v1/api-keys/{keyID}`: `fs_srv_`/`fs_cli_` + 48 hex,
/// stored by SHA-256 only, shown once, bound to one environment, revoked at once.
enum FSAPIKeys {
    static func create(_ call: Call) async throws(APIError) -> Response {
        let envID = call.parameter("envID")
        let body = try call.featureSignalsBody()
        let name = (try body.string("name") ?? "").trimmingSpaces
        let type = try body.string("type") ?? "server"
        guard !name.isEmpty, name.count <= 200 else { throw .fs(400, "name is required") }
        guard type == "server" || type == "client" else { throw .fs(400, "type must be server or client") }
        let (project, environment) = try call.ownedEnvironment(envID)
        let key = APIKeyStore.generate(type: type, random: call.env.random)
        guard let record = APIKeyRecord(hash: TokenStore.hash(key), record: [
            "id": .string(call.newID()), "name": .string(name), "type": .string(type), "key_prefix": .string(String(key.prefix(12))),
            "env_id": .string(envID), "env_slug": environment["slug"] ?? "", "project_id": project["id"] ?? "",
            "org_id": .string(call.member.orgID), "created_at": .string(call.timestamp),
        ]) else { throw .internalError }
        try await call.service.apiKeys.create(record)
        let shown: JSONValue = ["id": .string(record.id), "key": .string(key), "key_prefix": .string(record.keyPrefix),
                                "name": .string(name), "type": .string(type), "env_id": .string(envID),
                                "created_at": .string(record.createdAt)]
        try await call.recordFeatureSignals(.create, event: "api_key.created", resourceType: "api_key", key: record.keyPrefix,
                                            id: record.id, project: record.projectID, before: nil,
                                            after: record.listed(lastUsedAt: .null), environment: envID,
                                            metadata: ["key_prefix": .string(record.keyPrefix)])
        return .json(shown, status: 201)
    }

    static func list(_ call: Call) async throws(APIError) -> Response {
        let envID = call.parameter("envID")
        _ = try call.ownedEnvironment(envID)
        var out: [JSONValue] = []
        for record in try call.service.apiKeys.all() where record.environmentID == envID {
            out.append(record.listed(lastUsedAt: try call.service.apiKeys.lastUsed(record.id)))
        }
        return .json(.array(out))
    }

    static func revoke(_ call: Call) async throws(APIError) -> Response {
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
