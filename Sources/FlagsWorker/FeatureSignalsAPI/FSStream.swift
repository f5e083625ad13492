import EdgeJSON
import EdgeWorker
import Synchronization

/// `GET /v1/stream/{envKey}`: server-sent events. `connected` first, then a `flag-update` for every
/// change to a flag, its state in this environment, or a segment of the project — worked out by
/// comparing what is stored before and after, so a change written by another process or a replica
/// is reported too (the project hub polls the `FLAGS` sequence). Comment heartbeats keep proxies
/// from closing an idle stream.
enum FSStream {
    static func events(_ call: KeyCall) async throws(APIError) -> Response {
        let key = call.apiKey
        try FSEvaluate.requireEnvironment(call, key)
        let service = call.service, project = key.projectID, env = key.environmentID
        let seen = Mutex(try fingerprints(service.flags, project: project, env: env))
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        continuation.yield(message("connected", ["env_id": .string(env)]))
        let listener = service.subscribers.add(project: project, sequence: { service.flags.kv.sequence }) {
            guard let now = try? fingerprints(service.flags, project: project, env: env) else { return }
            seen.withLock { old in
                for name in Set(old.keys).union(now.keys).sorted() where old[name]?.print != now[name]?.print {
                    guard let item = now[name] ?? old[name] else { continue }
                    let action = old[name] == nil ? "created" : now[name] == nil ? "deleted" : "updated"
                    var data: [String: JSONValue] = ["type": "flag_update", "env_id": .string(env), "action": .string(action)]
                    if name.hasPrefix("segment:") {
                        data["flag_id"] = .null
                        data["segment_key"] = .string(String(name.dropFirst("segment:".count)))
                        data["action"] = .string("segment_" + action)
                    } else {
                        data["flag_id"] = item.id
                        data["flag_key"] = .string(String(name.dropFirst("flag:".count)))
                    }
                    continuation.yield(message("flag-update", data))
                }
                old = now
            }
        }
        return ServerSentEvents.response(stream, continuation, service: service, listener: listener)
    }

    static func message(_ event: String, _ data: [String: JSONValue]) -> [UInt8] {
        Array("event: \(event)\ndata: ".utf8) + JSONValue.object(data).serialized() + Array("\n\n".utf8)
    }

    /// What the stream compares: each flag with its state in `env`, and each segment, as stored.
    private static func fingerprints(_ store: RecordStore, project: String, env: String) throws(APIError)
        -> [String: (id: JSONValue, print: [UInt8])]
    {
        var out: [String: (id: JSONValue, print: [UInt8])] = [:]
        for record in try store.records(prefix: KeyLayout.flags(project)) {
            guard let key = record["key"]?.stringValue else { continue }
            var print = JSONValue.object(record).serialized()
            if FeatureSignalsModel.isFlag(record), let state = try store.get(FlagStateRecord.self, KeyLayout.flagState(project, key, env)) {
                print += JSONValue.object(state.json).serialized()
            }
            out["flag:" + key] = (record["id"] ?? .string(key), print)
        }
        for record in try store.records(prefix: KeyLayout.segments(project)) {
            guard let key = record["key"]?.stringValue else { continue }
            out["segment:" + key] = (.null, JSONValue.object(record).serialized())
        }
        return out
    }
}
