import EdgeJSON
import EdgeWorker
import FlagEngine
import Synchronization

/// `GET /stream/flags` (WebSocket, `read:flags`, token in `?token=` or the Bearer header) and
/// `GET /stream/tail` (admin).
enum FlagStream {
    static func flags(_ call: TokenCall) async throws(APIError) -> Response {
        try requireUpgrade(call.request)
        let service = call.service
        let holder = SubscriberHolder()
        let project = call.project
        let readsConfigs = call.token.allows(.readConfigs)
        let session = WebSocketSession(
            onOpen: { outbound in
                let live = SubscriberHub.Subscriber(project: project, outbound: outbound, readsConfigs: readsConfigs)
                let id = service.subscribers.add(project: project, sequence: { service.flags.kv.sequence }) {
                    push([live], service: service, project: project)
                }
                holder.set(live, id: id)
            },
            onText: { text, outbound in
                guard let live = holder.get()?.subscriber else { return }
                handle(text, subscriber: live, outbound: outbound, service: service)
            },
            onClose: {
                if let id = holder.get()?.id { service.subscribers.remove(id) }
            })
        return Response(status: 101, body: .webSocket(session))
    }

    static func tail(_ call: TokenCall) async throws(APIError) -> Response {
        try requireUpgrade(call.request)
        return Response(status: 101, body: .webSocket(call.service.tail.session()))
    }

    private static func requireUpgrade(_ request: Request) throws(APIError) {
        guard request.headers["Upgrade"]?.lowercased() == "websocket" else {
            throw APIError(status: 426, code: "UPGRADE_REQUIRED",
                           message: "This route speaks WebSocket; without one, poll POST /api/v1/evaluate",
                           headers: ["Upgrade": "websocket"])
        }
    }

    static func handle(_ text: String, subscriber: SubscriberHub.Subscriber, outbound: WebSocketOutbound, service: Service) {
        guard let message = try? JSONValue.parse(text), case .object(let fields) = message,
              let type = fields["type"]?.stringValue else {
            outbound.sendText(error("Messages must be JSON objects with a type", code: "VALIDATION_ERROR"))
            return
        }
        switch type {
        case "ping":
            outbound.sendText("{\"type\":\"pong\"}")
        case "subscribe", "update-context":
            var context: EvaluationContext
            do throws(APIError) {
                try Evaluate.checkContextSize(fields["context"], messageBytes: text.utf8.count)
                context = try EdgeFlagsModel.context(fields["context"])
                for name in ["env", "environment"] where fields[name].map({ !$0.isNull && $0.stringValue == nil }) ?? false {
                    throw Body.wrongType(name, "a string")
                }
            } catch {
                outbound.sendText(FlagStream.error(error.message, code: error.code))
                return
            }
            if let environment = fields["env"]?.stringValue ?? fields["environment"]?.stringValue {
                context.environment = environment
            }
            // Read, evaluated and sent under the lock that a change's push also takes: a change either
            // lands before (and is in the snapshot) or after (and comes as a diff of it), and a diff
            // never overtakes its snapshot (sending only queues the frame on the connection's loop).
            subscriber.values.withLock { values in
                guard let snapshot = try? service.snapshot(project: subscriber.project) else {
                    outbound.sendText(error("The flags could not be read", code: "INTERNAL_ERROR"))
                    return
                }
                let (flags, configs) = evaluate(snapshot, context, readsConfigs: subscriber.readsConfigs)
                values = .init(context: context, flags: flags, configs: configs)
                outbound.sendText(JSONValue.object(["type": "snapshot", "flags": .object(flags), "configs": .object(configs)]).jsonString)
            }
        default:
            outbound.sendText(error("Unknown message type \"\(type)\"", code: "VALIDATION_ERROR"))
        }
    }

    /// Sends each subscriber the values that changed for it.
    static func push(_ subscribers: [SubscriberHub.Subscriber], service: Service, project: String) {
        for subscriber in subscribers {
            subscriber.values.withLock { values in
                // The snapshot is read under the lock too: one that `handle` already sent from is never older.
                guard let context = values.context, let snapshot = try? service.snapshot(project: project) else { return }
                let (flags, configs) = evaluate(snapshot, context, readsConfigs: subscriber.readsConfigs)
                var changes: [JSONValue] = []
                diff(old: values.flags, new: flags, kind: "flag", into: &changes)
                diff(old: values.configs, new: configs, kind: "config", into: &changes)
                values.flags = flags
                values.configs = configs
                // Under the lock, in the order the values were computed (see `handle`).
                if !changes.isEmpty {
                    subscriber.outbound.sendText(JSONValue.object(["type": "diff", "changes": .array(changes)]).jsonString)
                }
            }
        }
    }

    private static func diff(old: [String: JSONValue], new: [String: JSONValue], kind: String, into changes: inout [JSONValue]) {
        for key in Set(old.keys).union(new.keys).sorted() where old[key] != new[key] {
            var change: [String: JSONValue] = ["type": .string(kind), "kind": .string(kind), "key": .string(key)]
            // A removed key has no value (never null: an SDK would store it and serve null instead of its default).
            if let value = new[key] { change["value"] = value } else { change["deleted"] = true }
            changes.append(.object(change))
        }
    }

    static func evaluate(_ snapshot: ProjectSnapshot, _ context: EvaluationContext,
                         readsConfigs: Bool) -> ([String: JSONValue], [String: JSONValue]) {
        var flags: [String: JSONValue] = [:]
        snapshot.ruleset.forEachEvaluation(context: context, now: RealClock.now()) { flags[$0.flagKey] = $0.value }
        var configs: [String: JSONValue] = [:]
        // As POST /api/v1/evaluate: a token without read:configs gets an empty configs map.
        guard readsConfigs else { return (flags, configs) }
        for config in snapshot.configs { configs[config.key] = config.value(for: context.environment) }
        return (flags, configs)
    }

    static func error(_ message: String, code: String) -> String {
        JSONValue.object(["type": "error", "error": .string(message), "message": .string(message), "code": .string(code)]).jsonString
    }
}

/// The live subscriber of one connection, set once it opens.
private final class SubscriberHolder: Sendable {
    private let value = Mutex<(subscriber: SubscriberHub.Subscriber, id: UInt64)?>(nil)
    func set(_ subscriber: SubscriberHub.Subscriber, id: UInt64) { value.withLock { $0 = (subscriber, id) } }
    func get() -> (subscriber: SubscriberHub.Subscriber, id: UInt64)? { value.withLock { $0 } }
}
