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
        scopes += try call.service.flags.records(ProjectIndex.self, prefix: KeyLayout.organizationProjects(org)).map(\.projectID)
        // Keys end in `<newest-first time>:<suffix>`: that part orders entries across scopes.
        var entries: [(order: Substring, entry: AuditEntry)] = []
        for scope in scopes {
            let prefix = KeyLayout.audits(scope)
            for key in try call.service.flags.keys(prefix: prefix) {
                if let entry = try call.service.flags.get(key).flatMap(AuditEntry.init(json:)) {
                    entries.append((key.dropFirst(prefix.count), entry))
                }
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
    static func shape(_ e: AuditEntry, org: String) -> JSONValue {
        let state = (e.after.isNull ? e.before : e.after).objectValue ?? [:]
        let resourceID = e.resourceID.map(JSONValue.string) ?? state["flag_id"].flatMap { $0.stringValue.map(JSONValue.string) }
            ?? state["id"].flatMap { $0.stringValue.map(JSONValue.string) } ?? .null
        return ["id": .string(e.id), "org_id": .string(org), "project_id": e.projectID.map(JSONValue.string) ?? .null,
                "actor_id": e.actorID.map(JSONValue.string) ?? .null, "actor_type": .string(e.actorType),
                "actor": .string(e.actor), "action": .string(e.event), "resource_type": .string(e.resourceType),
                "resource_id": resourceID, "resource_key": .string(e.resourceKey),
                "before_state": e.before, "after_state": e.after,
                "metadata": .object(e.metadata ?? [:]), "created_at": .string(e.timestamp)]
    }
}
