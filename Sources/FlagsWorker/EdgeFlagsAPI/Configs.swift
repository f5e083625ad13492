import EdgeJSON
import EdgeWorker

/// `/api/v1/configs`: `{key, value, environments?, version}`; a GET answers the value for
/// `?environment=` (else the base value).
enum Configs {
    static let resource = KeyedResource<ConfigRecord>(
        type: "config", noun: "Config", required: ["value"], cachePolicy: CachePolicy.configs,
        storageKey: KeyLayout.config, prefix: KeyLayout.configs, managedElsewhere: { _ in nil }, validate: validate)

    static func list(_ call: TokenCall) async throws(APIError) -> Response { try resource.list(call) }

    static func get(_ call: TokenCall) throws(APIError) -> Response {
        guard let record = ConfigRecord(json: try resource.stored(call, key: call.parameter("key"))) else {
            throw .notFound("Config not found")
        }
        return .json(["value": record.value(in: call.request.queryParameter("environment"))],
                     headers: ["Cache-Control": CachePolicy.configs])
    }

    static func create(_ call: TokenCall) async throws(APIError) -> Response { try await resource.create(call) }

    static func update(_ call: TokenCall) async throws(APIError) -> Response { try await resource.update(call) }

    static func delete(_ call: TokenCall) async throws(APIError) -> Response { try await resource.delete(call) }

    /// `PUT /api/v1/configs/{key}/environments/{env}` `{value}`.
    static func setOverride(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key"), environment = call.parameter("env")
        let body = try Body(call.request)
        guard let value = body["value"] else { throw .validation("Missing required fields: value") }
        try Project.requireEnvironment(call, environment)
        return try await resource.change(call, key: key, environment: environment) { (record: inout ConfigRecord) throws(APIError) in
            var environments = record.environments?.objectValue ?? [:]
            environments[environment] = ["value": value]
            record.environments = .object(environments)
        }
    }

    static func deleteOverride(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key"), environment = call.parameter("env")
        try Project.requireEnvironment(call, environment)
        return try await resource.change(call, key: key, environment: environment) { (record: inout ConfigRecord) throws(APIError) in
            var environments = record.environments?.objectValue ?? [:]
            environments.removeValue(forKey: environment)
            record.environments = .object(environments)
        }
    }

    @Sendable
    private static func validate(_ record: ConfigRecord, _ call: TokenCall) throws(APIError) {
        guard let value = record.value, !value.isNull else { throw .validation("Missing required fields: value") }
        try Body.validateLabels(name: record.name, description: record.description, tags: nil)
        guard let environments = record.environments else { return }
        guard case .object(let map) = environments else { throw Body.wrongType("environments", "an object") }
        let known = try Project.load(call).environments
        for (name, entry) in map {
            guard known.contains(name) else { throw .validation("Unknown environment \"\(name)\" in environments") }
            guard case .object(let fields) = entry, let value = fields["value"], !value.isNull else {
                throw Body.wrongType("environments.\(name)", "an object with a value")
            }
        }
    }
}
