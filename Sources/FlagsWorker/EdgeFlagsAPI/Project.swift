import EdgeJSON
import EdgeWorker

/// `GET|PUT /api/v1/project`, `GET|POST /api/v1/project/environments`, `DELETE …/{name}`.
enum Project {
    static let defaultID = "default"

    static func defaultRecord(now: Double) -> ProjectRecord {
        ProjectRecord(id: defaultID, name: "Default Project", slug: defaultID,
                      environments: ["development", "staging", "production"], createdAt: Timestamp.format(now),
                      updatedAt: Timestamp.format(now))
    }

    static func load(_ call: TokenCall) throws(APIError) -> ProjectRecord {
        if let record = try call.service.flags.get(ProjectRecord.self, KeyLayout.project(call.project)) { return record }
        if call.project == defaultID { return defaultRecord(now: call.now) }
        throw .notFound("Project not found")
    }

    /// 404 unless the token's project has the environment.
    static func requireEnvironment(_ call: TokenCall, _ name: String) throws(APIError) {
        guard try load(call).environments.contains(name) else { throw .notFound("Environment not found") }
    }

    static func shape(_ record: ProjectRecord) -> JSONValue {
        ["id": .string(record.id), "name": .string(record.name), "slug": .string(record.slug ?? record.id),
         "environments": .array(record.environments.map(JSONValue.string))]
    }

    static func get(_ call: TokenCall) async throws(APIError) -> Response {
        .json(shape(try load(call)))
    }

    static func update(_ call: TokenCall) async throws(APIError) -> Response {
        let body = try Body(call.request)
        try body.require("name")
        guard let name = try body.string("name"), !name.isEmpty, name.count <= 200 else {
            throw .validation("Invalid field type: name must be a non-empty string of at most 200 characters")
        }
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let before = try load(call)
            var after = before
            after.name = name
            after.updatedAt = call.timestamp
            try await call.service.flags.put(KeyLayout.project(call.project), after)
            try await call.recorded(.update, "project", key: call.project, before: shape(before), after: shape(after))
            return .json(shape(after))
        }
    }

    static func listEnvironments(_ call: TokenCall) async throws(APIError) -> Response {
        .json(["environments": .array(try load(call).environments.map(JSONValue.string))])
    }

    /// A FeatureSignals project's environments have ids, colors, states and API keys of their own:
    /// they are added and removed through `/v1/projects/{id}/environments`.
    static func requireEdgeFlagsEnvironments(_ record: ProjectRecord) throws(APIError) {
        if record.orgID != nil {
            throw .conflict("Environments of this project are managed through the FeatureSignals API (/v1/projects/{id}/environments)")
        }
    }

    static func addEnvironment(_ call: TokenCall) async throws(APIError) -> Response {
        let body = try Body(call.request)
        try body.require("name")
        guard let name = try body.string("name") else { throw .validation("Missing required fields: name") }
        try ResourceKey.validate(name)
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let before = try load(call)
            try requireEdgeFlagsEnvironments(before)
            var after = before
            guard !after.environments.contains(name) else { throw .conflict("Environment already exists") }
            after.environments.append(name)
            after.updatedAt = call.timestamp
            try await call.service.flags.put(KeyLayout.project(call.project), after)
            try await call.recorded(.update, "project", key: call.project, before: shape(before), after: shape(after))
            return .json(["environments": .array(after.environments.map(JSONValue.string))], status: 201)
        }
    }

    static func deleteEnvironment(_ call: TokenCall) async throws(APIError) -> Response {
        let name = call.parameter("name")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let before = try load(call)
            try requireEdgeFlagsEnvironments(before)
            var after = before
            guard after.environments.contains(name) else { throw .notFound("Environment not found") }
            guard after.environments.count > 1 else { throw .validation("Cannot delete the last environment of a project") }
            after.environments.removeAll { $0 == name }
            after.updatedAt = call.timestamp
            try await call.service.flags.put(KeyLayout.project(call.project), after)
            try await call.recorded(.update, "project", key: call.project, before: shape(before), after: shape(after))
            return .json(["success": true])
        }
    }
}
