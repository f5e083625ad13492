import EdgeJSON
import EdgePlatform
import EdgeWorker
import FlagEngine

/// `/api/v1/flags`: CRUD with versions and environment overrides, and evaluation of one flag by GET.
enum Flags {
    static let resource = KeyedResource<EdgeFlagsFlagRecord>(
        type: "flag", noun: "Flag", required: ["enabled"], cachePolicy: CachePolicy.flagList,
        storageKey: KeyLayout.flag, prefix: KeyLayout.flags,
        managedElsewhere: { record in
            FeatureSignalsModel.isFlag(record) ? "Flag is managed through the FeatureSignals API (/v1/projects/{id}/flags)" : nil
        },
        validate: validate)

    static func list(_ call: TokenCall) async throws(APIError) -> Response { try resource.list(call) }

    static func create(_ call: TokenCall) async throws(APIError) -> Response {
        try await resource.create(call) { body throws(APIError) in _ = try body.bool("enabled") }
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
        try await resource.update(call) { body throws(APIError) in _ = try body.bool("enabled") }
    }

    static func delete(_ call: TokenCall) async throws(APIError) -> Response { try await resource.delete(call) }

    /// `PUT /api/v1/flags/{key}/environments/{env}` `{enabled?, value?, targeting?}`.
    static func setOverride(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key"), environment = call.parameter("env")
        let body = try Body(call.request)
        let override = body.fields.filter { ["enabled", "value", "targeting"].contains($0.key) && !$0.value.isNull }
        try Project.requireEnvironment(call, environment)
        return try await resource.change(call, key: key, environment: environment) { (record: inout EdgeFlagsFlagRecord) throws(APIError) in
            var environments = record.environments?.objectValue ?? [:]
            environments[environment] = .object(override)
            record.environments = .object(environments)
        }
    }

    static func deleteOverride(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key"), environment = call.parameter("env")
        try Project.requireEnvironment(call, environment)
        return try await resource.change(call, key: key, environment: environment) { (record: inout EdgeFlagsFlagRecord) throws(APIError) in
            var environments = record.environments?.objectValue ?? [:]
            guard environments.removeValue(forKey: environment) != nil else {
                throw .notFound("Environment override not found")
            }
            record.environments = .object(environments)
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
    @Sendable
    static func validate(_ record: EdgeFlagsFlagRecord, _ call: TokenCall) throws(APIError) {
        // A merge may not drop the master switch (`PUT {"enabled": null}`): POST requires it.
        guard case .bool? = record.enabled else { throw .validation("Missing required fields: enabled") }
        let flag = try EdgeFlagsModel.flag(record)
        let known = try Project.load(call).environments
        for name in flag.environments.keys where !known.contains(name) {
            throw .validation("Unknown environment \"\(name)\" in environments")
        }
        try Body.validateLabels(name: record.name, description: record.description, tags: record.tags)
        let segments = try Segments.models(call)
        do {
            _ = try Ruleset(flags: [flag], segments: segments)
        } catch {
            throw .validation(error.message)
        }
    }
}
