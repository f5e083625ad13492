import EdgeJSON
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

    static func bulk(_ call: Call) async throws(APIError) -> Response {
        let request = call.request
        var contextValue: JSONValue?
        var flagKeys: [String]?
        var configKeys: [String]?
        if !request.body.isEmpty {
            let body = try Body(request)
            contextValue = body["context"]
            try checkContextSize(contextValue, messageBytes: request.body.count)
            flagKeys = try body.strings("flags")
            configKeys = try body.strings("configs")
        }
        let context = try EdgeFlagsModel.context(contextValue)
        let token = call.token!
        let snapshot = try call.service.snapshot(project: call.project)
        let started = monotonicSeconds()

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
        var recent: [Evaluation] = []
        if token.allows(.readFlags) {
            let ruleset = snapshot.ruleset
            let tailing = call.service.tail.hasListeners
            if let flagKeys {
                for key in flagKeys where ruleset.containsFlag(key) {
                    let result = ruleset.evaluate(flagKey: key, context: context, now: call.now)
                    writer.key(key)
                    writer.value(result.value)
                    if tailing || recent.count < TailHub.history { recent.append(result) }
                }
            } else {
                let keep = tailing ? Int.max : TailHub.history
                let skip = max(0, ruleset.flagCount - keep)
                var index = 0
                ruleset.forEachEvaluation(context: context, now: call.now) { result in
                    writer.key(result.flagKey)
                    writer.value(result.value)
                    if index >= skip { recent.append(result) }
                    index += 1
                }
            }
        }
        writer.endObject()
        writer.endObject()
        if !recent.isEmpty {
            call.service.tail.record(TailHub.Batch(timestamp: call.now, results: recent,
                                                   durationMs: (monotonicSeconds() - started) * 1000 / Double(recent.count),
                                                   actor: call.actor, environment: context.environment))
        }
        return .jsonBytes(writer.bytes)
    }
}
