import EdgeJSON

/// A requested change to a flag's state in one environment (`approval:<org>:<id>` in `FLAGS`),
/// applied only when another owner or admin approves it.
struct ApprovalRecord: JSONRecord, Equatable {
    enum Status: String, Sendable, CaseIterable {
        case pending, applied, rejected
    }

    var id: String
    var orgID: String
    var projectID: String
    var flagKey: String
    var envID: String
    /// The flag state fields to set (`FSFlagStates.fields`), as requested.
    var payload: [String: JSONValue]
    var note: String?
    var status: Status
    /// The user ids of the requester and the reviewer.
    var requestedBy: String
    var reviewedBy: String?
    var reviewNote: String?
    var createdAt: String
    var reviewedAt: String?

    init(id: String, orgID: String, projectID: String, flagKey: String, envID: String, payload: [String: JSONValue],
         note: String?, status: Status = .pending, requestedBy: String, reviewedBy: String? = nil,
         reviewNote: String? = nil, createdAt: String, reviewedAt: String? = nil) {
        self.id = id
        self.orgID = orgID
        self.projectID = projectID
        self.flagKey = flagKey
        self.envID = envID
        self.payload = payload
        self.note = note
        self.status = status
        self.requestedBy = requestedBy
        self.reviewedBy = reviewedBy
        self.reviewNote = reviewNote
        self.createdAt = createdAt
        self.reviewedAt = reviewedAt
    }

    init?(json: [String: JSONValue]) {
        guard let id = json["id"]?.stringValue, let orgID = json["org_id"]?.stringValue,
              let projectID = json["project_id"]?.stringValue, let flagKey = json["flag_key"]?.stringValue,
              let envID = json["env_id"]?.stringValue, let payload = json["payload"]?.objectValue,
              let status = json["status"]?.stringValue.flatMap(Status.init(rawValue:)),
              let requestedBy = json["requested_by"]?.stringValue, let createdAt = json["created_at"]?.stringValue else {
            return nil
        }
        self.init(id: id, orgID: orgID, projectID: projectID, flagKey: flagKey, envID: envID, payload: payload,
                  note: json["note"]?.stringValue, status: status, requestedBy: requestedBy,
                  reviewedBy: json["reviewed_by"]?.stringValue, reviewNote: json["review_note"]?.stringValue,
                  createdAt: createdAt, reviewedAt: json["reviewed_at"]?.stringValue)
    }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = [
            "id": .string(id), "org_id": .string(orgID), "project_id": .string(projectID), "flag_key": .string(flagKey),
            "env_id": .string(envID), "payload": .object(payload), "status": .string(status.rawValue),
            "requested_by": .string(requestedBy), "created_at": .string(createdAt),
        ]
        if let note { out["note"] = .string(note) }
        if let reviewedBy { out["reviewed_by"] = .string(reviewedBy) }
        if let reviewNote { out["review_note"] = .string(reviewNote) }
        if let reviewedAt { out["reviewed_at"] = .string(reviewedAt) }
        return out
    }

    /// The FeatureSignals answer: every field, `null` where unset.
    var answer: JSONValue {
        var out = json
        for field in ["note", "reviewed_by", "review_note", "reviewed_at"] where out[field] == nil { out[field] = .null }
        return .object(out)
    }
}
