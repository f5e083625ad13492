import EdgeJSON
import EdgeWorker

/// `/v1/projects/{id}/environments`: each also listed by slug in the project record, which is what
/// the EdgeFlags dialect and its `context.environment` see.
enum FSEnvironments {
    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        _ = try call.ownedProject(project)
        let records = try call.service.flags.records(prefix: KeyLayout.environments(project))
            .sorted { ($0["created_at"]?.stringValue ?? "", $0["slug"]?.stringValue ?? "")
                < ($1["created_at"]?.stringValue ?? "", $1["slug"]?.stringValue ?? "") }
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
            var slugs = record["environments"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard !slugs.contains(slug) else { throw .fs(409, "environment slug already exists in this project") }
            let id = call.newID()
            let environment: [String: JSONValue] = ["id": .string(id), "project_id": .string(project), "name": .string(name),
                                                    "slug": .string(slug), "color": .string(color),
                                                    "created_at": .string(call.timestamp)]
            try await call.service.flags.put(KeyLayout.environment(project, id), environment)
            try await call.service.flags.put(KeyLayout.environmentIndex(id), ["project_id": .string(project)])
            slugs.append(slug)
            record["environments"] = .array(slugs.map(JSONValue.string))
            record["updated_at"] = .string(call.timestamp)
            try await call.service.flags.put(KeyLayout.project(project), record)
            try await call.recordFeatureSignals(.create, event: "environment.created", resourceType: "environment", key: slug,
                                                id: environment["id"]?.stringValue, project: project, before: nil,
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
            let slug = environment["slug"]?.stringValue ?? ""
            record["environments"] = .array((record["environments"]?.arrayValue ?? []).filter { $0.stringValue != slug })
            record["updated_at"] = .string(call.timestamp)
            try await call.service.flags.put(KeyLayout.project(project), record)
            try await call.recordFeatureSignals(.delete, event: "environment.deleted", resourceType: "environment", key: slug,
                                                id: environment["id"]?.stringValue, project: project,
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
