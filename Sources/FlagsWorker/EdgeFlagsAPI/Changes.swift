import EdgeJSON
import EdgeWorker

/// One stored change, whichever dialect made it.
struct Change: Sendable {
    var action: ChangeAction
    /// The webhook event: `flag.created`, …, and FeatureSignals' `flag.state_updated`, `flag.promoted`, …
    var event: String
    var resourceType: String
    var key: String
    var projectID: String?
    /// Found from the project when nil.
    var orgID: String?
    var before: JSONValue?
    var after: JSONValue?
    var environment: String?
    /// The resource's id where it has one (a flag's, a key's); FeatureSignals' audit shows it.
    var resourceID: String? = nil
    /// What else the audit entry should say (FeatureSignals' `metadata`); stored only when not empty.
    var metadata: [String: JSONValue] = [:]
}

/// What every change goes through after it is stored: an audit entry, the webhooks subscribed to
/// its event — the project's EdgeFlags ones and its organization's FeatureSignals ones — delivered
/// after the response, and the live streams of the project.
/// What a change did to its record.
enum ChangeAction: String, Sendable { case create, update, delete }

extension Call where Who: ProjectScoped {
    /// Records a change to a record of the caller's project.
    func recorded(_ action: ChangeAction, _ resourceType: String, key: String, before: JSONValue?, after: JSONValue?,
                  environment: String? = nil) async throws(APIError) {
        try await recorded(action, resourceType, key: key, project: project, before: before, after: after,
                           environment: environment)
    }
}

extension Call {
    /// Records a change to a record of `project`, as `<resource>.created|updated|deleted`.
    func recorded(_ action: ChangeAction, _ resourceType: String, key: String, project: String, before: JSONValue?,
                  after: JSONValue?, environment: String? = nil) async throws(APIError) {
        let past = action == .create ? "created" : action == .update ? "updated" : "deleted"
        try await record(Change(action: action, event: "\(resourceType).\(past)", resourceType: resourceType, key: key,
                                projectID: project, orgID: nil, before: before, after: after, environment: environment))
    }

    func record(_ change: Change) async throws(APIError) {
        var org = change.orgID
        if org == nil, let project = change.projectID {
            org = try service.flags.get(ProjectRecord.self, KeyLayout.project(project))?.orgID
        }
        guard let scope = change.projectID ?? org else { return }
        let suffix = Hex.encode(env.random.bytes(3))
        let entry = AuditEntry(id: UUIDText.make(env.random), timestamp: timestamp, actor: actor, actorID: caller.actorID,
                               action: change.action.rawValue, event: change.event, resourceType: change.resourceType,
                               resourceKey: change.key, resourceID: change.resourceID, projectID: change.projectID,
                               orgID: org, before: change.before ?? .null, after: change.after ?? .null,
                               metadata: change.metadata)
        try await service.flags.put(KeyLayout.audit(scope, millis: Int64(now * 1000), suffix: suffix), entry.json,
                                    ttl: Audit.retentionSeconds)
        let data = change.after ?? change.before ?? .null
        if let project = change.projectID {
            Webhooks.notify(self, scope: project, event: change.event, resource: change.key,
                            environment: change.environment, data: data)
        }
        if let org {
            Webhooks.notify(self, scope: org, event: change.event, resource: change.key, environment: change.environment,
                            data: data)
        }
        if let project = change.projectID, ["flag", "config", "segment"].contains(change.resourceType) {
            service.subscribers.changed(project: project)
        }
    }
}

/// `limit` (1–200, default 50) and `offset` (0–1,000,000,000, default 0) of list routes.
struct Page {
    /// A bound the OpenAPI document can state exactly (past the end is an empty page anyway).
    static let maxOffset = 1_000_000_000
    var limit: Int
    var offset: Int

    init(_ request: Request) throws(APIError) {
        limit = 50
        offset = 0
        if let text = request.queryParameter("limit") {
            guard let value = Int(text), (1...200).contains(value) else {
                throw .validation("Invalid limit: must be an integer from 1 to 200")
            }
            limit = value
        }
        if let text = request.queryParameter("offset") {
            guard let value = Int(text), (0...Self.maxOffset).contains(value) else {
                throw .validation("Invalid offset: must be an integer from 0 to \(Self.maxOffset)")
            }
            offset = value
        }
    }

    func body<T>(_ items: [T], name: String, _ encode: (T) -> JSONValue) -> JSONValue {
        let slice = offset < items.count ? Array(items[offset..<min(items.count, offset + limit)]) : []
        return .object([name: .array(slice.map(encode)), "total": .number(Double(items.count)),
                        "has_more": .bool(offset + slice.count < items.count)])
    }
}

/// `If-Match: "<version>"` on updates.
enum Versioning {
    /// The header may list several versions (`"3", "4"`, RFC 9110 §13.1.1): any one of them matches.
    static func check(_ request: Request, current: Int) throws(APIError) {
        guard let header = request.headers["If-Match"] else { return }
        for candidate in header.split(separator: ",") {
            var text = String(candidate).trimmingSpaces
            if text == "*" { return }
            if text.hasPrefix("W/") { text.removeFirst(2) }
            if text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            if Int(text) == current { return }
        }
        throw .conflict("Version conflict", details: ["current_version": .number(Double(current))])
    }
}
