import EdgeJSON
import EdgeWorker

/// What every FeatureSignals management route shares: the caller's organization, and resources
/// that are found only inside it — another organization's project, environment or key is a 404,
/// exactly like one that does not exist.
extension Call {
    /// The request body; anything but a JSON object of the right types is `invalid request body`.
    func featureSignalsBody() throws(APIError) -> Body {
        try Body(request, invalid: .fsInvalidBody)
    }

    func newID() -> String { UUIDText.make(env.random) }

    /// Records a FeatureSignals change: audit, both dialects' webhooks, streams. The audit entry's
    /// `resource_id` is `id`, and its `metadata` holds `env_id` (when there is one) and `metadata`.
    func recordFeatureSignals(_ action: ChangeAction, event: String, resourceType: String, key: String, id: String?,
                              project: String?, before: JSONValue?, after: JSONValue?, environment: String? = nil,
                              metadata: [String: JSONValue] = [:]) async throws(APIError) {
        var details = metadata
        if let environment { details["env_id"] = .string(environment) }
        try await record(Change(action: action, event: event, resourceType: resourceType, key: key, projectID: project,
                                orgID: caller.account?.orgID, before: before, after: after, environment: environment,
                                resourceID: id, metadata: details))
    }
}

extension Call where Who == Account {
    /// The project `id` of the caller's organization.
    func ownedProject(_ id: String) throws(APIError) -> ProjectRecord {
        guard UUIDText.isValid(id), let record = try service.flags.get(ProjectRecord.self, KeyLayout.project(id)),
              record.orgID == member.orgID else { throw .fs(404, "project not found") }
        return record
    }

    /// The environment `id` of an owned project.
    func ownedEnvironment(project: String, _ id: String) throws(APIError) -> EnvironmentRecord {
        guard UUIDText.isValid(id), let record = try service.flags.get(EnvironmentRecord.self, KeyLayout.environment(project, id)) else {
            throw .fs(404, "environment not found")
        }
        return record
    }

    /// An environment of the caller's organization by id alone, with its project.
    func ownedEnvironment(_ id: String) throws(APIError) -> (project: ProjectRecord, environment: EnvironmentRecord) {
        guard UUIDText.isValid(id), let project = try service.flags.get(ProjectIndex.self, KeyLayout.environmentIndex(id))?.projectID,
              let record = try? ownedProject(project),
              let environment = try service.flags.get(EnvironmentRecord.self, KeyLayout.environment(project, id)) else {
            throw .fs(404, "environment not found")
        }
        return (record, environment)
    }
}

/// FeatureSignals wire shapes of the shared records.
enum FSShape {
    static func pick(_ record: [String: JSONValue], _ fields: [String]) -> JSONValue {
        var out: [String: JSONValue] = [:]
        for field in fields { out[field] = record[field] ?? .null }
        return .object(out)
    }

    static func project(_ record: ProjectRecord) -> JSONValue {
        ["id": .string(record.id), "org_id": record.orgID.map(JSONValue.string) ?? .null, "name": .string(record.name),
         "slug": record.slug.map(JSONValue.string) ?? .null, "created_at": .string(record.createdAt),
         "updated_at": .string(record.updatedAt)]
    }

    /// Exactly the stored fields.
    static func environment(_ record: EnvironmentRecord) -> JSONValue { .object(record.json) }

}
