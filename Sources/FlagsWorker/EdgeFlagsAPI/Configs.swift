import EdgeJSON
import EdgeWorker

/// `/api/v1/configs`: `{key, value, environments?, version}`; a GET answers the value for
/// `?environment=` (else the base value).
enum Configs {
    static let fields: Set<String> = ["key", "value", "environments", "name", "description"]

    static func list(_ call: TokenCall) async throws(APIError) -> Response {
        let page = try Page(call.request)
        let records = try call.service.flags.records(prefix: KeyLayout.configs(call.project))
        let body = page.body(records, name: "configs") { record in
            .object(["key": record["key"] ?? .null, "config": .object(record)])
        }
        return .json(body, headers: ["Cache-Control": CachePolicy.configs])
    }

    static func get(_ call: TokenCall) throws(APIError) -> Response {
        guard let record = try call.service.flags.get(KeyLayout.config(call.project, call.parameter("key"))) else {
            throw .notFound("Config not found")
        }
        var value = record["value"] ?? .null
        if let environment = call.request.queryParameter("environment"),
           let override = record["environments"]?[environment]?["value"], !override.isNull {
            value = override
        }
        return .json(["value": value], headers: ["Cache-Control": CachePolicy.configs])
    }

    static func create(_ call: TokenCall) async throws(APIError) -> Response {
        let body = try Body(call.request)
        try body.require("key", "value")
        guard let key = try body.string("key") else { throw .validation("Missing required fields: key") }
        try ResourceKey.validate(key)
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.config(call.project, key)
            guard try call.service.flags.get(storageKey) == nil else { throw .conflict("Config already exists") }
            var record = body.fields.filter { fields.contains($0.key) && !$0.value.isNull }
            record["version"] = 1
            record["created_at"] = .string(call.timestamp)
            record["updated_at"] = .string(call.timestamp)
            try validate(record, call)
            try await call.service.flags.put(storageKey, record)
            try await call.recorded(.create, "config", key: key, before: nil, after: .object(record))
            return .json(["key": .string(key), "config": .object(record)], status: 201)
        }
    }

    static func update(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key")
        let body = try Body(call.request)
        if let given = try body.string("key"), given != key { throw .validation("The key of a config cannot be changed") }
        return try await mutate(call, key: key) { record in
            for (name, value) in body.fields where fields.contains(name) && name != "key" {
                if value.isNull && name != "value" { record.removeValue(forKey: name) } else { record[name] = value }
            }
        }
    }

    static func delete(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.config(call.project, key)
            guard let before = try call.service.flags.get(storageKey) else { throw .notFound("Config not found") }
            try Versioning.check(call.request, current: Versioning.version(of: before))
            try await call.service.flags.delete(storageKey)
            try await call.recorded(.delete, "config", key: key, before: .object(before), after: nil)
            return .json(["success": true])
        }
    }

    /// `PUT /api/v1/configs/{key}/environments/{env}` `{value}`.
    static func setOverride(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key"), environment = call.parameter("env")
        let body = try Body(call.request)
        try body.require("value")
        let value = body.fields["value"]!
        try Project.requireEnvironment(call, environment)
        return try await mutate(call, key: key, environment: environment) { record in
            var environments = record["environments"]?.objectValue ?? [:]
            environments[environment] = ["value": value]
            record["environments"] = .object(environments)
        }
    }

    static func deleteOverride(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key"), environment = call.parameter("env")
        try Project.requireEnvironment(call, environment)
        return try await mutate(call, key: key, environment: environment) { record in
            var environments = record["environments"]?.objectValue ?? [:]
            environments.removeValue(forKey: environment)
            record["environments"] = .object(environments)
        }
    }

    private static func mutate(_ call: TokenCall, key: String, environment: String? = nil,
                               _ change: @Sendable (inout [String: JSONValue]) -> Void) async throws(APIError) -> Response {
        try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.config(call.project, key)
            guard let before = try call.service.flags.get(storageKey) else { throw .notFound("Config not found") }
            let version = Versioning.version(of: before)
            try Versioning.check(call.request, current: version)
            var after = before
            change(&after)
            after["version"] = .number(Double(version + 1))
            after["updated_at"] = .string(call.timestamp)
            try validate(after, call)
            try await call.service.flags.put(storageKey, after)
            try await call.recorded(.update, "config", key: key, before: .object(before), after: .object(after),
                                    environment: environment)
            return .json(["key": .string(key), "config": .object(after)])
        }
    }

    private static func validate(_ record: [String: JSONValue], _ call: TokenCall) throws(APIError) {
        guard let value = record["value"], !value.isNull else { throw .validation("Missing required fields: value") }
        try Body.validateLabels(record)
        guard let environments = record["environments"] else { return }
        guard case .object(let map) = environments else { throw Body.wrongType("environments", "an object") }
        let known = Project.environments(try Project.load(call))
        for (name, entry) in map {
            guard known.contains(name) else { throw .validation("Unknown environment \"\(name)\" in environments") }
            guard case .object(let fields) = entry, let value = fields["value"], !value.isNull else {
                throw Body.wrongType("environments.\(name)", "an object with a value")
            }
        }
    }
}
