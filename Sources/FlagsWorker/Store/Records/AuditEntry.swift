import EdgeJSON

/// One entry of the audit log (`audit:<scope>:<newest-first time>:<suffix>` in `FLAGS`, kept 90
/// days): who changed which resource, how, with the record before and after. Both dialects write
/// and read it; the EdgeFlags list answers it as stored, the FeatureSignals one in its own shape.
struct AuditEntry: JSONRecord, Equatable {
    var id: String
    /// RFC 3339, when the change was made.
    var timestamp: String
    /// Who made it, as the audit names them: an email, a token's prefix, `system`.
    var actor: String
    /// The FeatureSignals user behind it, if any.
    var actorID: String?
    /// `create`, `update` or `delete`.
    var action: String
    /// The webhook event (`flag.updated`, `flag.state_updated`, …).
    var event: String
    var resourceType: String
    var resourceKey: String
    /// The resource's id (FeatureSignals records have one).
    var resourceID: String?
    /// Stored as `null` for an organization-wide change.
    var projectID: String?
    var orgID: String?
    /// `null` when there was no record before (a creation) or after (a deletion).
    var before: JSONValue
    var after: JSONValue
    var metadata: [String: JSONValue]?

    init(id: String, timestamp: String, actor: String, actorID: String?, action: String, event: String,
         resourceType: String, resourceKey: String, resourceID: String?, projectID: String?, orgID: String?,
         before: JSONValue, after: JSONValue, metadata: [String: JSONValue]?) {
        self.id = id
        self.timestamp = timestamp
        self.actor = actor
        self.actorID = actorID
        self.action = action
        self.event = event
        self.resourceType = resourceType
        self.resourceKey = resourceKey
        self.resourceID = resourceID
        self.projectID = projectID
        self.orgID = orgID
        self.before = before
        self.after = after
        self.metadata = metadata
    }

    init?(json: [String: JSONValue]) {
        guard let id = json["id"]?.stringValue, let timestamp = json["timestamp"]?.stringValue,
              let actor = json["actor"]?.stringValue, let action = json["action"]?.stringValue,
              let event = json["event"]?.stringValue, let resourceType = json["resource_type"]?.stringValue,
              let resourceKey = json["resource_key"]?.stringValue else { return nil }
        self.init(id: id, timestamp: timestamp, actor: actor, actorID: json["actor_id"]?.stringValue, action: action,
                  event: event, resourceType: resourceType, resourceKey: resourceKey,
                  resourceID: json["resource_id"]?.stringValue, projectID: json["project_id"]?.stringValue,
                  orgID: json["org_id"]?.stringValue, before: json["before"] ?? .null, after: json["after"] ?? .null,
                  metadata: json["metadata"]?.objectValue)
    }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = [
            "id": .string(id), "timestamp": .string(timestamp), "actor": .string(actor), "action": .string(action),
            "event": .string(event), "resource_type": .string(resourceType), "resource_key": .string(resourceKey),
            "project_id": projectID.map(JSONValue.string) ?? .null, "before": before, "after": after,
        ]
        if let orgID { out["org_id"] = .string(orgID) }
        if let resourceID { out["resource_id"] = .string(resourceID) }
        if let metadata, !metadata.isEmpty { out["metadata"] = .object(metadata) }
        if let actorID { out["actor_id"] = .string(actorID) }
        return out
    }

    /// `user` (a member, by JWT), `system` (the scheduler) or `token` (an EdgeFlags `ff_` token).
    /// Derived, not stored, so old and new entries answer alike.
    var actorType: String {
        if actorID != nil { return "user" }
        return actor == "system" ? "system" : "token"
    }
}
