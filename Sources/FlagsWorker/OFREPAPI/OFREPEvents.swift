import EdgeJSON
import EdgeWorker
import Synchronization

/// `GET /ofrep/v1/events`, the stream the bulk answer advertises in `eventStreams` (ADR-0008):
/// server-sent events whose data is `{"type": "refetchEvaluation", "lastModified": <seconds>}`, sent
/// when something the credential sees changed — a flag, flag state, segment, config or environment
/// of its project (for a key, flag states of its own environment only). The project hub tells it at
/// once of changes made through the API and within 250 ms of any other (the CLI, replication); the
/// store's change log says which keys changed. Comment heartbeats keep proxies from closing it.
enum OFREPEvents {
    static func stream(_ call: OFREPCall) async throws(APIError) -> Response {
        let service = call.service, project = call.caller.projectID, clock = call.env.clock
        var ownEnvironment: String?
        if case .key(let key) = call.caller { ownEnvironment = key.environmentID }
        let environment = ownEnvironment
        let seen = Mutex(service.flags.kv.sequence)
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream(bufferingPolicy: .bufferingNewest(64))
        continuation.yield(Array("retry: 1000\n: connected\n\n".utf8))
        let listener = service.subscribers.add(project: project, sequence: { service.flags.kv.sequence }) {
            let kv = service.flags.kv
            let current = kv.sequence
            let visible = seen.withLock { last in
                guard current > last else { return false }
                defer { last = current }
                guard let keys = kv.keysChanged(after: last, limit: ProjectCache.changeScanLimit) else { return true }
                return keys.contains { isVisible($0, project: project, environmentID: environment) }
            }
            guard visible else { return }
            let data: JSONValue = ["type": "refetchEvaluation", "lastModified": .number(Double(Int(clock())))]
            continuation.yield(Array("id: \(current)\ndata: ".utf8) + data.serialized() + Array("\n\n".utf8))
        }
        return ServerSentEvents.response(stream, continuation, service: service, listener: listener)
    }

    /// Whether a changed `FLAGS` key is something an evaluation for this credential reads.
    static func isVisible(_ key: String, project: String, environmentID: String?) -> Bool {
        guard ProjectSnapshot.isInput(key, of: project) else { return false }
        guard let environmentID, key.hasPrefix(KeyLayout.flagStates(project)) else { return true }
        return key.hasSuffix(":" + environmentID)
    }
}
