import Crypto
import EdgeJSON
import EdgeWorker
import FlagEngine

/// `POST /ofrep/v1/evaluate/flags/{key}` and `POST /ofrep/v1/evaluate/flags`: the shared evaluation
/// in OFREP's shapes. The same hot path as the other dialects: the credential and the compiled
/// project from the caches keyed by the KV sequences, answers written straight into bytes and kept
/// for the same request again, every evaluation counted in `EvaluationMetrics`.
enum OFREPEvaluate {
    /// Seconds of a client's inactivity after which it may close the event stream (ADR-0008).
    static let inactivityDelaySeconds = 120

    static func one(_ call: OFREPCall) throws(APIError) -> Response {
        let caller = call.caller
        let flagKey = call.parameter("key")
        let cacheKey = AnswerCache.Key(route: .ofrepSingle, credential: caller.credentialID,
                                       input: Array(call.request.target.utf8) + [0] + call.request.body)
        if let kept = kept(call, cacheKey) { return kept.response }
        let context: EvaluationContext
        do {
            context = try OFREPContext.parse(call.request, caller: caller)
        } catch {
            // A single evaluation's failure names its flag.
            var failure = error
            if failure.wording == .ofrep { failure.details = .string(flagKey) }
            throw failure
        }
        let snapshot = try call.service.snapshot(project: caller.projectID)
        let result = snapshot.ruleset.evaluate(flagKey: flagKey, context: context, now: call.now)
        if let failure = failure(of: result, in: snapshot.ruleset, context: context) {
            call.service.metrics.record(project: caller.projectID, [result])
            throw failure
        }
        var writer = JSONWriter(capacity: 96)
        write(result, into: &writer)
        return answer(call, [result], Response.jsonBytes(writer.bytes), keptAs: cacheKey, snapshot: snapshot, context: context)
    }

    /// Every flag the credential sees, in key order: `{"flags": [...], "eventStreams": [...]}`, with an
    /// `ETag` over the answer and the request's context, so that another context is never a 304.
    static func bulk(_ call: OFREPCall) throws(APIError) -> Response {
        let caller = call.caller
        let streamURL = eventStreamURL(call.request)
        let cacheKey = AnswerCache.Key(route: .ofrepBulk, credential: caller.credentialID,
                                       input: call.request.body + [0] + Array(streamURL.utf8))
        if let kept = kept(call, cacheKey) { return notModified(kept.response, call.request) }
        let context = try OFREPContext.parse(call.request, caller: caller)
        let snapshot = try call.service.snapshot(project: caller.projectID)
        let ruleset = snapshot.ruleset
        var writer = JSONWriter(capacity: 128 + ruleset.flagCount * 96)
        var results: [Evaluation] = []
        results.reserveCapacity(ruleset.flagCount)
        writer.beginObject()
        writer.key("flags")
        writer.beginArray()
        ruleset.forEachEvaluation(context: context, now: call.now) { result in
            if let failure = failure(of: result, in: ruleset, context: context) {
                writer.beginObject()
                writer.key("key"); writer.string(result.flagKey)
                writer.key("errorCode"); writer.string(failure.code)
                writer.key("errorDetails"); writer.string(failure.message)
                writer.endObject()
            } else {
                write(result, into: &writer)
            }
            results.append(result)
        }
        writer.endArray()
        writer.key("eventStreams")
        writer.beginArray()
        writer.beginObject()
        writer.key("type"); writer.string("sse")
        writer.key("url"); writer.string(streamURL)
        writer.key("inactivityDelaySec"); writer.int(inactivityDelaySeconds)
        writer.endObject()
        writer.endArray()
        writer.endObject()
        let body = writer.bytes
        let tag = "\"" + String(SHA256.hash(data: body + [0] + call.request.body).hexString.prefix(16)) + "\""
        let response = answer(call, results, Response.jsonBytes(body, headers: ["ETag": tag]), keptAs: cacheKey,
                              snapshot: snapshot, context: context)
        return notModified(response, call.request)
    }

    /// The OFREP reason for an engine reason (the DocC article OFREP has the table).
    static func reason(_ reason: Reason) -> String {
        switch reason {
        case .environmentOverride, .override: "STATIC"
        case .targeted: "TARGETING_MATCH"
        case .ruleRollout, .rollout, .variant: "SPLIT"
        case .disabled, .scheduledOff: "DISABLED"
        case .fallthrough, .mutuallyExcluded, .prerequisiteFailed: "DEFAULT"
        case .notFound: "ERROR"
        }
    }

    /// Why a result is an error rather than a value: no such flag for this credential, or a flag that
    /// places users by a targeting key the context does not have.
    private static func failure(of result: Evaluation, in ruleset: Ruleset, context: EvaluationContext) -> APIError? {
        if result.reason == .notFound {
            return .ofrep(404, .flagNotFound, "Flag \(result.flagKey) not found", key: result.flagKey)
        }
        if context.targetingKey == nil, result.reason == .fallthrough,
           ruleset.splitsByTargetingKey(flagKey: result.flagKey, environment: context.environment) {
            return .ofrep(400, .targetingKeyMissing, "Flag \(result.flagKey) is split by targetingKey, which the context lacks",
                          key: result.flagKey)
        }
        return nil
    }

    /// `{key, value, reason, variant}`. `variant` is the variant's key when one decided the value,
    /// else the EdgeFlags word for what served it (providers read the field unconditionally).
    private static func write(_ result: Evaluation, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.key("key"); writer.string(result.flagKey)
        writer.key("value"); writer.value(result.value)
        writer.key("reason"); writer.string(reason(result.reason))
        writer.key("variant"); writer.string(result.variantKey ?? EdgeFlagsModel.reason(result.reason))
        writer.endObject()
    }

    /// Where this request's client follows changes: the node it asked, as it named it.
    private static func eventStreamURL(_ request: Request) -> String {
        let scheme = request.headers["X-Forwarded-Proto"] == "https" ? "https" : "http"
        return "\(scheme)://\(request.headers["Host"] ?? "localhost")/ofrep/v1/events"
    }

    /// 304 with the tag alone when the client holds this very answer.
    private static func notModified(_ response: Response, _ request: Request) -> Response {
        guard let tag = response.headers["ETag"], let condition = request.headers["If-None-Match"],
              ETag.matches(condition, tag) else { return response }
        return Response(status: 304, headers: ["ETag": tag], bytes: [])
    }

    /// How every evaluation answer ends: counted, the key's use noted, kept for the same request again.
    private static func answer(_ call: OFREPCall, _ results: [Evaluation], _ response: Response,
                               keptAs cacheKey: AnswerCache.Key, snapshot: ProjectSnapshot,
                               context: EvaluationContext) -> Response {
        call.service.metrics.record(project: call.caller.projectID, results)
        noteUse(call)
        call.service.answers.keep(response, for: cacheKey, evaluations: results, available: results.count,
                                  environment: context.environment, snapshot: snapshot, now: call.now)
        return response
    }

    /// The kept answer to this very request, counted and noted as if evaluated again.
    private static func kept(_ call: OFREPCall, _ cacheKey: AnswerCache.Key) -> AnswerCache.Answer? {
        guard let answer = call.service.answers.answer(for: cacheKey, sequence: call.service.flags.kv.sequence,
                                                       now: call.now) else { return nil }
        call.service.metrics.record(project: call.caller.projectID, answer.evaluations)
        noteUse(call)
        return answer
    }

    private static func noteUse(_ call: OFREPCall) {
        if case .key(let key) = call.caller { FSEvaluate.noteUse(call, key) }
    }
}
