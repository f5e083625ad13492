import EdgeJSON
import EdgeWorker

/// `/v1/projects/{id}/environments`: each also listed by slug in the project record, which is what
/// the EdgeFlags dialect and its `context.environment` see.
enum FSEnvironments {
    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        _ = try call.ownedProject(project)
        let records = try call.service.flags.records(EnvironmentRecord.self, prefix: KeyLayout.environments(project))
            .sorted { $0.listOrder < $1.listOrder }
        return .json(.array(records.map(FSShape.environment)))
    }

    static func create(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        let body = try call.featureSignalsBody()
        let name = (try body.string("name") ?? "").trimmingSpaces
        guard !name.isEmpty, name.count <= 200 else { throw .fs(400, "name is required") }
        let slug = Slug.make(try body.string("slug") ?? name)
        guard !slug.isEmpty else { throw .fs(400, "name is required") }
        let color = try body.string("color") ?? FSAuth.defaultColor
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            var record = try call.ownedProject(project)
            guard !record.environments.contains(slug) else { throw .fs(409, "environment slug already exists in this project") }
            let id = call.newID()
            let environment = EnvironmentRecord(id: id, projectID: project, name: name, slug: slug, color: color,
                                                createdAt: call.timestamp)
            try await call.service.flags.put(KeyLayout.environment(project, id), environment)
            try await call.service.flags.put(KeyLayout.environmentIndex(id), ProjectIndex(projectID: project))
            record.environments.append(slug)
            record.updatedAt = call.timestamp
            try await call.service.flags.put(KeyLayout.project(project), record)
            try await call.recordFeatureSignals(.create, event: "environment.created", resourceType: "environment", key: slug,
                                                id: environment.id, project: project, before: nil,
                                                after: FSShape.environment(environment))
            return .json(FSShape.environment(environment), status: 201)
        }
    }

    static func delete(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id"), id = call.parameter("envID")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            var record = try call.ownedProject(project)
            let environment = try call.ownedEnvironment(project: project, id)
            try await deleteContents(call, project: project, id)
            try await call.service.flags.delete(KeyLayout.environment(project, id))
            let slug = environment.slug
            record.environments.removeAll { $0 == slug }
            record.updatedAt = call.timestamp
            try await call.service.flags.put(KeyLayout.project(project), record)
            try await call.recordFeatureSignals(.delete, event: "environment.deleted", resourceType: "environment", key: slug,
                                                id: environment.id, project: project,
                                                before: FSShape.environment(environment), after: nil)
            return Response(status: 204, bytes: [])
        }
    }

    /// The flag states and API keys of one environment, and its id index.
    static func deleteContents(_ call: MemberCall, project: String, _ id: String) async throws(APIError) {
        let flags = call.service.flags
        for key in try flags.keys(prefix: KeyLayout.flagStates(project)) where key.hasSuffix(":" + id) {
            try await flags.delete(key)
        }
        for apiKey in try call.service.apiKeys.all() where apiKey.environmentID == id {
            try await call.service.apiKeys.revoke(apiKey)
        }
        try await flags.delete(KeyLayout.environmentIndex(id))
    }
}
