import EdgeJSON
import EdgeWorker

/// `/v1/approvals`: a change to a flag's state in one environment, requested by one member and
/// applied only when another (an owner or admin) approves it — through the same change path as a
/// direct `PUT` (validation, audit, webhooks, streams). Stored as `approval:<org>:<id>`.
enum FSApprovals {
    static let statuses: Set<String> = ["pending", "applied", "rejected"]

    static func shape(_ record: [String: JSONValue]) -> JSONValue {
        FSShape.pick(record, ["id", "org_id", "project_id", "flag_key", "env_id", "payload", "note", "status",
                              "requested_by", "reviewed_by", "review_note", "created_at", "reviewed_at"])
    }

    /// `{project_id, flag_key, env_id, payload: <flag state fields>, note?}` → 201, pending.
    static func create(_ call: MemberCall) async throws(APIError) -> Response {
        let body = try call.featureSignalsBody()
        guard let project = try body.string("project_id"), let key = try body.string("flag_key"),
              let env = try body.string("env_id"), let payload = try body.object("payload") else {
            throw .fs(400, "project_id, flag_key, env_id and payload are required")
        }
        let changes = payload.filter { FSFlagStates.fields.contains($0.key) }
        guard !changes.isEmpty else { throw .fs(400, "payload must change at least one of \(FSFlagStates.fields.joined(separator: ", "))") }
        _ = try call.ownedProject(project)
        _ = try FSFlags.load(call, project: project, key: key)
        _ = try call.ownedEnvironment(project: project, env)
        let id = call.newID()
        var record: [String: JSONValue] = [
            "id": .string(id), "org_id": .string(call.member.orgID), "project_id": .string(project), "flag_key": .string(key),
            "env_id": .string(env), "payload": .object(changes), "status": "pending",
            "requested_by": .string(call.member.userID), "created_at": .string(call.timestamp),
        ]
        if let note = try body.string("note") { record["note"] = .string(note) }
        try await call.service.flags.put(KeyLayout.approval(call.member.orgID, id), record)
        return .json(shape(record), status: 201)
    }

    /// Newest first; `?status=pending|applied|rejected` filters.
    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        let status = call.request.queryParameter("status")
        if let status, !statuses.contains(status) { throw .fs(400, "status must be one of pending, applied, rejected") }
        let records = try call.service.flags.records(prefix: KeyLayout.approvals(call.member.orgID))
            .filter { status == nil || $0["status"]?.stringValue == status }
            .sorted { ($0["created_at"]?.stringValue ?? "") > ($1["created_at"]?.stringValue ?? "") }
        return .json(.array(records.map(shape)))
    }

    static func get(_ call: MemberCall) async throws(APIError) -> Response {
        .json(shape(try load(call)))
    }

    /// `{action: approve|reject, note?}` by an owner or admin other than the requester.
    static func review(_ call: MemberCall) async throws(APIError) -> Response {
        let body = try call.featureSignalsBody()
        guard let action = try body.string("action"), action == "approve" || action == "reject" else {
            throw .fs(400, "action must be approve or reject")
        }
        let note = try body.string("note")
        var record = try load(call)
        guard record["status"] == "pending" else { throw .fs(409, "approval is not pending") }
        guard record["requested_by"]?.stringValue != call.member.userID else {
            throw .fs(403, "cannot review your own approval request")
        }
        if action == "approve" {
            guard let project = record["project_id"]?.stringValue, let key = record["flag_key"]?.stringValue,
                  let env = record["env_id"]?.stringValue, let payload = record["payload"]?.objectValue else {
                throw .internalError
            }
            _ = try await FSFlagStates.change(call, project: project, key: key, env: env, event: "flag.state_updated") { state in
                for (name, value) in payload { state[name] = value }
            }
        }
        record["status"] = .string(action == "approve" ? "applied" : "rejected")
        record["reviewed_by"] = .string(call.member.userID)
        record["reviewed_at"] = .string(call.timestamp)
        if let note { record["review_note"] = .string(note) }
        try await call.service.flags.put(KeyLayout.approval(call.member.orgID, call.parameter("id")), record)
        return .json(shape(record))
    }

    private static func load(_ call: MemberCall) throws(APIError) -> [String: JSONValue] {
        let id = call.parameter("id")
        guard UUIDText.isValid(id), let record = try call.service.flags.get(KeyLayout.approval(call.member.orgID, id)) else {
            throw .fs(404, "approval not found")
        }
        return record
    }
}
