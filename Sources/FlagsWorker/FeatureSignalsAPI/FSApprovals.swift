import EdgeJSON
import EdgeWorker

/// `/v1/approvals`: a change to a flag's state in one environment, requested by one member and
/// applied only when another (an owner or admin) approves it — through the same change path as a
/// direct `PUT` (validation, audit, webhooks, streams). Stored as `approval:<org>:<id>`.
enum FSApprovals {
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
        let record = ApprovalRecord(id: id, orgID: call.member.orgID, projectID: project, flagKey: key, envID: env,
                                    payload: changes, note: try body.string("note"), requestedBy: call.member.userID,
                                    createdAt: call.timestamp)
        try await call.service.flags.put(KeyLayout.approval(call.member.orgID, id), record)
        return .json(record.answer, status: 201)
    }

    /// Newest first; `?status=pending|applied|rejected` filters.
    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        var status: ApprovalRecord.Status?
        if let text = call.request.queryParameter("status") {
            guard let given = ApprovalRecord.Status(rawValue: text) else {
                throw .fs(400, "status must be one of pending, applied, rejected")
            }
            status = given
        }
        let records = try call.service.flags.records(ApprovalRecord.self, prefix: KeyLayout.approvals(call.member.orgID))
            .filter { status == nil || $0.status == status }
            .sorted { $0.createdAt > $1.createdAt }
        return .json(.array(records.map(\.answer)))
    }

    static func get(_ call: MemberCall) async throws(APIError) -> Response {
        .json(try load(call).answer)
    }

    /// `{action: approve|reject, note?}` by an owner or admin other than the requester.
    static func review(_ call: MemberCall) async throws(APIError) -> Response {
        let body = try call.featureSignalsBody()
        guard let action = try body.string("action"), action == "approve" || action == "reject" else {
            throw .fs(400, "action must be approve or reject")
        }
        let note = try body.string("note")
        var record = try load(call)
        guard record.status == .pending else { throw .fs(409, "approval is not pending") }
        guard record.requestedBy != call.member.userID else {
            throw .fs(403, "cannot review your own approval request")
        }
        if action == "approve" {
            let payload = record.payload
            _ = try await FSFlagStates.change(call, project: record.projectID, key: record.flagKey, env: record.envID,
                                              event: "flag.state_updated") { state in
                for (name, value) in payload { state.set(name, value) }
            }
        }
        record.status = action == "approve" ? .applied : .rejected
        record.reviewedBy = call.member.userID
        record.reviewedAt = call.timestamp
        if let note { record.reviewNote = note }
        try await call.service.flags.put(KeyLayout.approval(call.member.orgID, call.parameter("id")), record)
        return .json(record.answer)
    }

    private static func load(_ call: MemberCall) throws(APIError) -> ApprovalRecord {
        let id = call.parameter("id")
        guard UUIDText.isValid(id), let record = try call.service.flags.get(ApprovalRecord.self, KeyLayout.approval(call.member.orgID, id)) else {
            throw .fs(404, "approval not found")
        }
        return record
    }
}
