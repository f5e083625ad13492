import EdgeJSON
import EdgeWorker

/// `GET /v1/audit?limit&offset`: the organization's entries (its own and its projects'), newest first.
enum FSAudit {
    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        var limit = 50, offset = 0
        if let text = call.request.queryParameter("limit") {
            guard let value = Int(text), (1...200).contains(value) else { throw .fs(400, "limit must be an integer from 1 to 200") }
            limit = value
        }
        if let text = call.request.queryParameter("offset") {
            guard let value = Int(text), value >= 0 else { throw .fs(400, "offset must be a non-negative integer") }
            offset = value
        }
        let org = call.member.orgID
        var scopes = [org]
        for index in try call.service.flags.records(prefix: KeyLayout.organizationProjects(org)) {
            if let project = index["project_id"]?.stringValue { scopes.append(project) }
        }
        // Keys end in `<newest-first time>:<suffix>`: that part orders entries across scopes.
        var entries: [(order: Substring, entry: [String: JSONValue])] = []
        for scope in scopes {
            let prefix = KeyLayout.audits(scope)
            for key in try call.service.flags.keys(prefix: prefix) {
                if let entry = try call.service.flags.get(key) { entries.append((key.dropFirst(prefix.count), entry)) }
            }
        }
        entries.sort { $0.order < $1.order }
        let page = entries.dropFirst(offset).prefix(limit).map { item -> JSONValue in
            let e = item.entry
            return ["id": e["id"] ?? .null, "org_id": .string(org), "project_id": e["project_id"] ?? .null,
                    "actor_id": e["actor_id"] ?? .null, "actor": e["actor"] ?? .null, "action": e["event"] ?? e["action"] ?? .null,
                    "resource_type": e["resource_type"] ?? .null, "resource_key": e["resource_key"] ?? .null,
                    "before_state": e["before"] ?? .null, "after_state": e["after"] ?? .null,
                    "created_at": e["timestamp"] ?? .null]
        }
        return .json(.array(Array(page)))
    }
}
