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
        let page = entries.dropFirst(offset).prefix(limit).map { shape($0.entry, org: org) }
        return .json(.array(Array(page)))
    }

    /// The reference's entry (`resource_id`, `actor_type`, `metadata`) beside ours (`resource_key`,
    /// `actor`). Entries written before the first three existed are answered from what they kept:
    /// `resource_id` from the `id` (a flag state's `flag_id`) of the state they recorded, which is
    /// the resource's id at the time, not a lookup that a deleted and re-created flag would fool;
    /// `actor_type` from the actor (see `actorType`); `metadata` empty.
    static func shape(_ e: [String: JSONValue], org: String) -> JSONValue {
        let state = (e["after"].flatMap { $0.isNull ? nil : $0 } ?? e["before"])?.objectValue ?? [:]
        let resourceID = e["resource_id"] ?? state["flag_id"].flatMap { $0.stringValue.map(JSONValue.string) }
            ?? state["id"].flatMap { $0.stringValue.map(JSONValue.string) } ?? .null
        return ["id": e["id"] ?? .null, "org_id": .string(org), "project_id": e["project_id"] ?? .null,
                "actor_id": e["actor_id"] ?? .null, "actor_type": .string(actorType(e)), "actor": e["actor"] ?? .null,
                "action": e["event"] ?? e["action"] ?? .null, "resource_type": e["resource_type"] ?? .null,
                "resource_id": resourceID, "resource_key": e["resource_key"] ?? .null,
                "before_state": e["before"] ?? .null, "after_state": e["after"] ?? .null,
                "metadata": e["metadata"] ?? [:], "created_at": e["timestamp"] ?? .null]
    }

    /// `user` (a member, by JWT), `system` (the scheduler) or `token` (an EdgeFlags `ff_` token).
    /// Derived, not stored, so old and new entries answer alike.
    static func actorType(_ entry: [String: JSONValue]) -> String {
        if entry["actor_id"]?.stringValue != nil { return "user" }
        return entry["actor"]?.stringValue == "system" ? "system" : "token"
    }
}
