import EdgeJSON
import EdgeWorker
import Synchronization

/// One evaluation, as `/stream/tail` shows it.
struct TailEvent: Sendable {
    var timestamp: Double
    var flag: String
    var value: JSONValue
    var reason: String
    var durationMs: Double
    var actor: String
    var environment: String?

    var message: String {
        JSONValue.object([
            "type": "evaluation", "timestamp": .string(Timestamp.format(timestamp)), "flag": .string(flag),
            "value": value, "reason": .string(reason), "duration_ms": .number((durationMs * 1000).rounded() / 1000),
            "actor": .string(actor), "environment": environment.map(JSONValue.string) ?? .null,
        ]).jsonString
    }
}

/// The last `history` evaluations, and the admins tailing them (`GET /stream/tail`).
final class TailHub: Sendable {
    static let history = 50

    private struct State {
        var recent: [TailEvent] = []
        var listeners: [UInt64: WebSocketOutbound] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())
    private let listening = Atomic<Int>(0)

    var hasListeners: Bool { listening.load(ordering: .relaxed) > 0 }

    func record(_ event: TailEvent) { record([event]) }

    func record(_ events: [TailEvent]) {
        let listeners = state.withLock { s -> [WebSocketOutbound] in
            s.recent.append(contentsOf: events.suffix(Self.history))
            if s.recent.count > Self.history { s.recent.removeFirst(s.recent.count - Self.history) }
            return Array(s.listeners.values)
        }
        guard !listeners.isEmpty else { return }
        for event in events {
            let text = event.message
            for listener in listeners { listener.sendText(text) }
        }
    }

    func session() -> WebSocketSession {
        let id = Mutex<UInt64?>(nil)
        return WebSocketSession(
            onOpen: { [self] outbound in
                let recent = state.withLock { s -> [TailEvent] in
                    s.nextID += 1
                    s.listeners[s.nextID] = outbound
                    id.withLock { $0 = s.nextID }
                    return s.recent
                }
                listening.add(1, ordering: .relaxed)
                for event in recent { outbound.sendText(event.message) }
            },
            onText: { text, outbound in
                if (try? JSONValue.parse(text))?["type"]?.stringValue == "ping" { outbound.sendText("{\"type\":\"pong\"}") }
            },
            onClose: { [self] in
                guard let key = id.withLock({ $0 }) else { return }
                state.withLock { _ = $0.listeners.removeValue(forKey: key) }
                listening.subtract(1, ordering: .relaxed)
            })
    }
}
