import EdgeJSON
import EdgePlatform
import EdgeWorker
import FlagEngine

/// `/api/v1/flags`: CRUD with versions and environment overrides, and evaluation of one flag by GET.
enum Flags {
    static let fields: Set<String> = ["key", "enabled", "value", "targeting", "environments", "active_from",
                                      "active_until", "name", "type", "defaultValue", "description", "tags"]

    static func list(_ call: TokenCall) async throws(APIError) -> Response {
        let page = try Page(call.request)
        let records = try call.service.flags.records(prefix: KeyLayout.flags(call.project))
        let body = page.body(records, name: "flags") { record in
            .object(["key": record["key"] ?? .null, "flag": .object(record)])
        }
        return .json(body, headers: ["Cache-Control": CachePolicy.flagList])
    }

    static func create(_ call: TokenCall) async throws(APIError) -> Response {
        let body = try Body(call.request)
        try body.require("key", "enabled")
        guard let key = try body.string("key") else { throw .validation("Missing required fields: key") }
        try ResourceKey.validate(key)
        _ = try body.bool("enabled")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.flag(call.project, key)
            guard try call.service.flags.get(storageKey) == nil else { throw .conflict("Flag already exists") }
            var record = body.fields.filter { fields.contains($0.key) && !$0.value.isNull }
            record["version"] = 1
            record["created_at"] = .string(call.timestamp)
            record["updated_at"] = .string(call.timestamp)
            try validate(record, call)
            try await call.service.flags.put(storageKey, record)
            try await call.recorded(.create, "flag", key: key, before: nil, after: .object(record))
            return .json(["key": .string(key), "flag": .object(record)], status: 201)
        }
    }

    /// Evaluates: `{"value", "type", "reason"}` for `?context=<url-encoded JSON>`.
    static func evaluate(_ call: TokenCall) throws(APIError) -> Response {
        let key = call.parameter("key")
        let cacheKey = AnswerCache.Key(route: .edgeFlagsSingle, credential: call.token.hash,
                                       input: Array(call.request.target.utf8))
        if let answer = call.service.answers.answer(for: cacheKey, sequence: call.service.flags.kv.sequence, now: call.now) {
            Evaluate.record(answer.evaluations, call: call, environment: answer.environment, started: MonotonicClock.seconds())
            return answer.response
        }
        var contextValue: JSONValue?
        if let text = call.request.queryParameter("context"), !text.isEmpty {
            guard text.utf8.count <= Evaluate.maxContextBytes else {
                throw .tooLarge("Evaluation context exceeds 64 KB")
            }
            do {
                contextValue = try JSONValue.parse(text, maxDepth: 32)
            } catch {
                throw .validation("Invalid context: \(error.description)")
            }
        }
        var context = try EdgeFlagsModel.context(contextValue)
        if context.environment == nil, let environment = call.request.queryParameter("environment") {
            context.environment = environment
        }
        let snapshot = try call.service.snapshot(project: call.project)
        guard snapshot.ruleset.containsFlag(key) else { throw .notFound("Flag not found") }
        let started = MonotonicClock.seconds()
        let result = snapshot.ruleset.evaluate(flagKey: key, context: context, now: call.now)
        let reason = EdgeFlagsModel.reason(result.reason)
        Evaluate.record([result], call: call, environment: context.environment, started: started)
        let type = EdgeFlagsModel.typeName(declared: result.declaredType, value: result.value)
        var writer = JSONWriter(capacity: 96)
        writer.beginObject()
        writer.key("reason"); writer.string(reason)
        writer.key("type"); writer.string(type)
        writer.key("value"); writer.value(result.value)
        writer.endObject()
        // Tagged now, so that a kept answer carries its ETag and is not hashed again per request.
        let response = ETag.tagged(.jsonBytes(writer.bytes, headers: ["Cache-Control": CachePolicy.singleFlag]))
        call.service.answers.keep(response, for: cacheKey, evaluations: [result], available: 1,
                                  environment: context.environment, snapshot: snapshot, now: call.now)
        return response
    }

    /// Merges the given fields into the stored record (a toggle of `enabled` alone keeps the rest).
    static func update(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key")
        let body = try Body(call.request)
        if let given = try body.string("key"), given != key { throw .validation("The key of a flag cannot be changed") }
        _ = try body.bool("enabled")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.flag(call.project, key)
            guard let before = try call.service.flags.get(storageKey) else { throw .notFound("Flag not found") }
            try requireEdgeFlagsRecord(before)
            let version = Versioning.version(of: before)
            try Versioning.check(call.request, current: version)
            var after = before
            for (name, value) in body.fields where fields.contains(name) && name != "key" {
                if value.isNull { after.removeValue(forKey: name) } else { after[name] = value }
            }
            after["version"] = .number(Double(version + 1))
            after["updated_at"] = .string(call.timestamp)
            try validate(after, call)
            try await call.service.flags.put(storageKey, after)
            try await call.recorded(.update, "flag", key: key, before: .object(before), after: .object(after))
            return .json(["key": .string(key), "flag": .object(after)])
        }
    }

    static func delete(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.flag(call.project, key)
            guard let before = try call.service.flags.get(storageKey) else { throw .notFound("Flag not found") }
            try requireEdgeFlagsRecord(before)
            try Versioning.check(call.request, current: Versioning.version(of: before))
            try await call.service.flags.delete(storageKey)
            try await call.recorded(.delete, "flag", key: key, before: .object(before), after: nil)
            return .json(["success": true])
        }
    }

    /// `PUT /api/v1/flags/{key}/environments/{env}` `{enabled?, value?, targeting?}`.
    static func setOverride(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key"), environment = call.parameter("env")
        let body = try Body(call.request)
        let override = body.fields.filter { ["enabled", "value", "targeting"].contains($0.key) && !$0.value.isNull }
        return try await changeOverride(call, key: key, environment: environment) { _ in override }
    }

    static func deleteOverride(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key"), environment = call.parameter("env")
        return try await changeOverride(call, key: key, environment: environment) { _ in nil }
    }

    private static func changeOverride(_ call: TokenCall, key: String, environment: String,
                                       _ change: @Sendable ([String: JSONValue]?) -> [String: JSONValue]?)
        async throws(APIError) -> Response
    {
        try Project.requireEnvironment(call, environment)
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.flag(call.project, key)
            guard let before = try call.service.flags.get(storageKey) else { throw .notFound("Flag not found") }
            try requireEdgeFlagsRecord(before)
            let version = Versioning.version(of: before)
            try Versioning.check(call.request, current: version)
            var environments = before["environments"]?.objectValue ?? [:]
            if let override = change(environments[environment]?.objectValue) {
                environments[environment] = .object(override)
            } else {
                guard environments.removeValue(forKey: environment) != nil else {
                    throw .notFound("Environment override not found")
                }
            }
            var after = before
            after["environments"] = .object(environments)
            after["version"] = .number(Double(version + 1))
            after["updated_at"] = .string(call.timestamp)
            try validate(after, call)
            try await call.service.flags.put(storageKey, after)
            try await call.recorded(.update, "flag", key: key, before: .object(before), after: .object(after),
                                    environment: environment)
            return .json(["key": .string(key), "flag": .object(after)])
        }
    }

    /// A FeatureSignals flag (its states live in their own records) is read and evaluated here but
    /// changed only through `/v1`, which keeps its states with it.
    static func requireEdgeFlagsRecord(_ record: [String: JSONValue]) throws(APIError) {
        if FeatureSignalsModel.isFlag(record) {
            throw .conflict("Flag is managed through the FeatureSignals API (/v1/projects/{id}/flags)")
        }
    }

    /// A flag is stored only if it translates and compiles with the project's segments (types,
    /// operators, regexes, environments).
    static func validate(_ record: [String: JSONValue], _ call: TokenCall) throws(APIError) {
        // A merge may not drop the master switch (`PUT {"enabled": null}`): POST requires it.
        guard case .bool? = record["enabled"] else { throw .validation("Missing required fields: enabled") }
        let flag = try EdgeFlagsModel.flag(record)
        let known = Project.environments(try Project.load(call))
        for name in flag.environments.keys where !known.contains(name) {
            throw .validation("Unknown environment \"\(name)\" in environments")
        }
        try Body.validateLabels(record)
        let segments = try Segments.models(call)
        do {
            _ = try Ruleset(flags: [flag], segments: segments)
        } catch {
            throw .validation(error.message)
        }
    }
}
