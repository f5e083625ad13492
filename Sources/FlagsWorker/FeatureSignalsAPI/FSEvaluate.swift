import EdgeJSON
import EdgeWorker
import FlagEngine

/// `POST /v1/evaluate`, `POST /v1/evaluate/bulk`, `GET /v1/client/{envKey}/flags`, `POST /v1/track`;
/// each evaluation is counted in `EvaluationMetrics`.
///
/// The hot path of this dialect: the API key comes from the cache keyed by the `TOKENS` sequence,
/// the compiled project from the one keyed by the `FLAGS` sequence (the same snapshot the EdgeFlags
/// dialect evaluates), the answer is written straight into bytes, and `last_used_at` is written
/// after the response, batched.
enum FSEvaluate {
    static let maxBulkKeys = 100

    static func one(_ call: KeyCall) throws(APIError) -> Response {
        let key = call.apiKey
        let cacheKey = AnswerCache.Key(route: .featureSignalsOne, credential: key.id, input: call.request.body)
        if let kept = kept(call, key, cacheKey) { return kept }
        let fields = try object(call.request)
        guard case .string(let flagKey)? = fields["flag_key"], !flagKey.isEmpty else {
            throw .fs(400, "flag_key and context.key are required")
        }
        let context = try FeatureSignalsModel.context(fields["context"], environment: key.environmentSlug)
        let snapshot = try call.service.snapshot(project: key.projectID)
        let result = snapshot.ruleset.evaluate(flagKey: flagKey, context: context, now: call.now)
        var writer = JSONWriter(capacity: 96)
        write(result, into: &writer)
        return answer(call, key, [result], writer, keptAs: cacheKey, snapshot: snapshot)
    }

    /// `{"flag_keys": [...] (at most 100; omitted: every flag), "context"}` → `{key: EvalResult}`.
    static func bulk(_ call: KeyCall) throws(APIError) -> Response {
        let key = call.apiKey
        let cacheKey = AnswerCache.Key(route: .featureSignalsBulk, credential: key.id, input: call.request.body)
        if let kept = kept(call, key, cacheKey) { return kept }
        let fields = try object(call.request)
        let context = try FeatureSignalsModel.context(fields["context"], environment: key.environmentSlug)
        let snapshot = try call.service.snapshot(project: key.projectID)
        var writer = JSONWriter(capacity: 64 + snapshot.ruleset.flagCount * 64)
        var results: [Evaluation] = []
        writer.beginObject()
        switch fields["flag_keys"] {
        case nil, .null?:
            snapshot.ruleset.forEachEvaluation(context: context, now: call.now) { result in
                writer.key(result.flagKey)
                write(result, into: &writer)
                results.append(result)
            }
        case .array(let items)?:
            guard items.count <= maxBulkKeys else { throw .fs(400, "flag_keys may hold at most \(maxBulkKeys) keys") }
            var keys: [String] = []
            for item in items {
                guard case .string(let text) = item else { throw .fsInvalidBody }
                keys.append(text)
            }
            for flagKey in Set(keys).sorted() {
                let result = snapshot.ruleset.evaluate(flagKey: flagKey, context: context, now: call.now)
                writer.key(flagKey)
                write(result, into: &writer)
                results.append(result)
            }
        default:
            throw .fsInvalidBody
        }
        writer.endObject()
        return answer(call, key, results, writer, keptAs: cacheKey, snapshot: snapshot)
    }

    /// `{flag_key: value}` of every flag, for `?key=<user>` (`anonymous` when absent).
    static func client(_ call: KeyCall) throws(APIError) -> Response {
        let key = call.apiKey
        try requireEnvironment(call, key)
        let cacheKey = AnswerCache.Key(route: .featureSignalsClient, credential: key.id, input: Array(call.request.target.utf8))
        if let kept = kept(call, key, cacheKey) { return kept }
        let user = call.request.queryParameter("key").flatMap { $0.isEmpty ? nil : $0 } ?? "anonymous"
        let context = EvaluationContext(targetingKey: user, environment: key.environmentSlug)
        let snapshot = try call.service.snapshot(project: key.projectID)
        var writer = JSONWriter(capacity: 32 + snapshot.ruleset.flagCount * 32)
        var results: [Evaluation] = []
        writer.beginObject()
        snapshot.ruleset.forEachEvaluation(context: context, now: call.now) { result in
            writer.key(result.flagKey)
            writer.value(result.value)
            results.append(result)
        }
        writer.endObject()
        return answer(call, key, results, writer, keptAs: cacheKey, snapshot: snapshot)
    }

    /// `{flag_key, variant_key?, user_key?}`: counted per flag and variant on this node. Only
    /// `flag_key` is required, as the reference; `user_key`, when given, must be a string.
    static func track(_ call: KeyCall) async throws(APIError) -> Response {
        let key = call.apiKey
        let body = try call.featureSignalsBody()
        guard let flag = try body.string("flag_key"), !flag.isEmpty else { throw .fs(400, "flag_key is required") }
        _ = try body.string("user_key")
        call.service.tracking.record(flag: flag, variant: try body.string("variant_key"))
        noteUse(call, key)
        return Response(status: 204, bytes: [])
    }

    /// `envKey` must be the slug of the key's environment.
    static func requireEnvironment(_ call: KeyCall, _ key: APIKeyRecord) throws(APIError) {
        let envKey = call.parameter("envKey")
        guard envKey == key.environmentSlug else { throw .fs(403, "API key does not belong to environment \(envKey)") }
    }

    static func write(_ result: Evaluation, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("flag_key"); writer.string(result.flagKey)
        writer.key("reason"); writer.string(FeatureSignalsModel.reason(result.reason))
        writer.key("value"); writer.value(result.value)
        if let variant = result.variantKey { writer.key("variant_key"); writer.string(variant) }
        writer.endObject()
    }

    private static func object(_ request: Request) throws(APIError) -> [String: JSONValue] {
        guard !request.body.isEmpty, case .object(let fields)? = try? JSONValue.parse(request.body, maxDepth: 32) else {
            throw .fsInvalidBody
        }
        return fields
    }

    /// How every evaluation answer ends: counted, the key's use noted, kept for the same request
    /// again, the bytes sent.
    private static func answer(_ call: KeyCall, _ key: APIKeyRecord, _ results: [Evaluation], _ writer: JSONWriter,
                               keptAs cacheKey: AnswerCache.Key, snapshot: ProjectSnapshot) -> Response {
        call.service.metrics.record(project: key.projectID, results)
        noteUse(call, key)
        let response = Response.jsonBytes(writer.bytes)
        call.service.answers.keep(response, for: cacheKey, evaluations: results, available: results.count,
                                  environment: key.environmentSlug, snapshot: snapshot, now: call.now)
        return response
    }

    /// The kept answer to this very request, counted and noted as if evaluated again.
    private static func kept(_ call: KeyCall, _ key: APIKeyRecord, _ cacheKey: AnswerCache.Key) -> Response? {
        guard let answer = call.service.answers.answer(for: cacheKey, sequence: call.service.flags.kv.sequence,
                                                       now: call.now) else { return nil }
        call.service.metrics.record(project: key.projectID, answer.evaluations)
        noteUse(call, key)
        return answer.response
    }

    /// Notes the key's use: `last_used_at` is written after the response, batched.
    static func noteUse<Who>(_ call: Call<Who>, _ key: APIKeyRecord) {
        let keys = call.service.apiKeys
        guard keys.noteUse(key.id, now: call.now) else { return }
        let clock = call.env.clock
        call.ctx.waitUntil { await keys.flushUsage(now: clock()) }
    }
}
