import EdgeJSON
import EdgeWorker

/// `GET|PUT /api/v1/project`, `GET|POST /api/v1/project/environments`, `DELETE …/{name}`.
enum Project {
    static let defaultID = "default"

    static func defaultRecord(now: Double) -> [String: JSONValue] {
        ["id": .string(defaultID), "name": "Default Project", "slug": .string(defaultID),
         "environments": ["development", "staging", "production"],
         "created_at": .string(Timestamp.format(now)), "updated_at": .string(Timestamp.format(now))]
    }

    static func load(_ call: TokenCall) throws(APIError) -> [String: JSONValue] {
        if let record = try call.service.flags.get(KeyLayout.project(call.project)) { return record }
        if call.project == defaultID { return defaultRecord(now: call.now) }
        throw .notFound("Project not found")
    }

    static func environments(_ record: [String: JSONValue]) -> [String] {
        record["environments"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// 404 unless the token's project has the environment.
    static func requireEnvironment(_ call: TokenCall, _ name: String) throws(APIError) {
        guard environments(try load(call)).contains(name) else { throw .notFound("Environment not found") }
    }

    static func shape(_ record: [String: JSONValue]) -> JSONValue {
        .object(["id": record["id"] ?? .null, "name": record["name"] ?? .null, "slug": record["slug"] ?? record["id"] ?? .null,
                 "environments": record["environments"] ?? .array([])])
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
            after["name"] = .string(name)
            after["updated_at"] = .string(call.timestamp)
            try await call.service.flags.put(KeyLayout.project(call.project), after)
            try await call.recorded(.update, "project", key: call.project, before: shape(before), after: shape(after))
            return .json(shape(after))
        }
    }

    static func listEnvironments(_ call: TokenCall) async throws(APIError) -> Response {
        .json(["environments": .array(environments(try load(call)).map(JSONValue.string))])
    }

    /// A FeatureSignals project's environments have ids, colors, states and API keys of their own:
    /// they are added and removed through `/v1/projects/{id}/environments`.
    static func requireEdgeFlagsEnvironments(_ record: [String: JSONValue]) throws(APIError) {
        if record["org_id"] != nil {
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
            var names = environments(before)
            guard !names.contains(name) else { throw .conflict("Environment already exists") }
            names.append(name)
            var after = before
            after["environments"] = .array(names.map(JSONValue.string))
            after["updated_at"] = .string(call.timestamp)
            try await call.service.flags.put(KeyLayout.project(call.project), after)
            try await call.recorded(.update, "project", key: call.project, before: shape(before), after: shape(after))
            return .json(["environments": .array(names.map(JSONValue.string))], status: 201)
        }
    }

    static func deleteEnvironment(_ call: TokenCall) async throws(APIError) -> Response {
        let name = call.parameter("name")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let before = try load(call)
            try requireEdgeFlagsEnvironments(before)
            var names = environments(before)
            guard names.contains(name) else { throw .notFound("Environment not found") }
            guard names.count > 1 else { throw .validation("Cannot delete the last environment of a project") }
            names.removeAll { $0 == name }
            var after = before
            after["environments"] = .array(names.map(JSONValue.string))
            after["updated_at"] = .string(call.timestamp)
            try await call.service.flags.put(KeyLayout.project(call.project), after)
            try await call.recorded(.update, "project", key: call.project, before: shape(before), after: shape(after))
            return .json(["success": true])
        }
    }
}
