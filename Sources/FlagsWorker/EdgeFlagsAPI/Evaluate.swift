import EdgeJSON
import EdgePlatform
import EdgeWorker
import FlagEngine

/// `POST /api/v1/evaluate` — the SDK contract: `{"flags": {key: value}, "configs": {key: value}}`,
/// both maps always present, every flag and config when no lists are given, status 200.
///
/// The hot path: the token and the compiled project come from caches keyed by the KV sequences, and
/// the answer is written straight into the response bytes.
enum Evaluate {
    static let maxContextBytes = 64 * 1024

    /// 413 for a context over 64 KB; the context is measured only when its message could hold one.
    static func checkContextSize(_ context: JSONValue?, messageBytes: Int) throws(APIError) {
        if messageBytes > maxContextBytes, let context, context.serialized().count > maxContextBytes {
            throw .tooLarge("Evaluation context exceeds 64 KB")
        }
    }

    static func bulk(_ call: TokenCall) throws(APIError) -> Response {
        let request = call.request
        let token = call.token
        let tailing = call.service.tail.hasListeners
        let cacheKey = AnswerCache.Key(route: .edgeFlagsBulk, credential: token.hash, input: request.body)
        if let answer = call.service.answers.answer(for: cacheKey, sequence: call.service.flags.kv.sequence, now: call.now),
           !tailing || answer.evaluations.count == answer.evaluationsAvailable {
            record(answer.evaluations, call: call, environment: answer.environment, started: MonotonicClock.seconds())
            return answer.response
        }
        var contextValue: JSONValue?
        var flagKeys: [String]?
        var configKeys: [String]?
        if !request.body.isEmpty {
            let body = try Body(request)
            contextValue = body["context"]
            if request.body.count > maxContextBytes, let contextValue,
               contextValue.serialized().count > maxContextBytes {
                throw .tooLarge("Evaluation context exceeds 64 KB")
            }
            flagKeys = try body.strings("flags")
            configKeys = try body.strings("configs")
        }
        let context = try EdgeFlagsModel.context(contextValue)
        let snapshot = try call.service.snapshot(project: call.project)
        let started = MonotonicClock.seconds()

        var writer = JSONWriter(capacity: 64 + snapshot.ruleset.flagCount * 32)
        writer.beginObject()
        writer.key("configs")
        writer.beginObject()
        if token.allows(.readConfigs) {
            if let configKeys {
                for key in configKeys {
                    guard let index = snapshot.configIndex[key] else { continue }
                    writer.key(key)
                    writer.value(snapshot.configs[index].value(for: context.environment))
                }
            } else {
                for config in snapshot.configs {
                    writer.key(config.key)
                    writer.value(config.value(for: context.environment))
                }
            }
        }
        writer.endObject()
        writer.key("flags")
        writer.beginObject()
        // Kept for the tail (and with the answer): every result while someone tails, else the last 50.
        var recent: [Evaluation] = []
        var evaluated = 0
        if token.allows(.readFlags) {
            let ruleset = snapshot.ruleset
            if let flagKeys {
                for key in flagKeys where ruleset.containsFlag(key) {
                    let result = ruleset.evaluate(flagKey: key, context: context, now: call.now)
                    writer.key(key)
                    writer.value(result.value)
                    evaluated += 1
                    if tailing || recent.count < TailHub.history { recent.append(result) }
                }
            } else {
                let keep = tailing ? Int.max : TailHub.history
                let skip = max(0, ruleset.flagCount - keep)
                ruleset.forEachEvaluation(context: context, now: call.now) { result in
                    writer.key(result.flagKey)
                    writer.value(result.value)
                    if evaluated >= skip { recent.append(result) }
                    evaluated += 1
                }
            }
        }
        writer.endObject()
        writer.endObject()
        record(recent, call: call, environment: context.environment, started: started)
        let response = Response.jsonBytes(writer.bytes)
        call.service.answers.keep(response, for: cacheKey, evaluations: recent, available: evaluated,
                                  environment: context.environment, snapshot: snapshot, now: call.now)
        return response
    }

    /// Evaluations go to the tail stream (which keeps the last 50 for admins who connect later).
    static func record(_ results: [Evaluation], call: TokenCall, environment: String?, started: Double) {
        guard !results.isEmpty else { return }
        call.service.tail.record(TailHub.Batch(timestamp: call.now, results: results,
                                               durationMs: (MonotonicClock.seconds() - started) * 1000 / Double(results.count),
                                               actor: call.actor, environment: environment))
    }
}
