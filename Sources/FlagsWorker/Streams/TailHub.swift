import EdgeJSON
import EdgeWorker
import FlagEngine
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
///
/// A bulk evaluation is recorded as one batch of engine results; the events and their JSON are only
/// made when someone is listening or connects, so the evaluation path pays for a copy, not a message.
final class TailHub: Sendable {
    static let history = 50

    struct Batch: Sendable {
        var timestamp: Double
        var results: [Evaluation]
        var durationMs: Double
        var actor: String
        var environment: String?

        var events: [TailEvent] {
            results.map { TailEvent(timestamp: timestamp, flag: $0.flagKey, value: $0.value,
                                    reason: EdgeFlagsModel.reason($0.reason), durationMs: durationMs, actor: actor,
                                    environment: environment) }
        }
    }

    private struct State {
        var batches: [Batch] = []
        var count = 0
        var listeners: [UInt64: WebSocketOutbound] = [:]
        var nextID: UInt64 = 0
    }
    private let state = Mutex(State())
    private let listening = Atomic<Int>(0)

    var hasListeners: Bool { listening.load(ordering: .relaxed) > 0 }

    /// How many evaluations a tail connecting now would be sent first (at most `history`).
    var historyCount: Int { state.withLock { min($0.count, Self.history) } }

    func record(_ batch: Batch) {
        let listeners = state.withLock { s -> [WebSocketOutbound] in
            s.batches.append(batch)
            s.count += batch.results.count
            while let first = s.batches.first, s.count - first.results.count >= Self.history {
                s.count -= first.results.count
                s.batches.removeFirst()
            }
            return s.listeners.isEmpty ? [] : Array(s.listeners.values)
        }
        guard !listeners.isEmpty else { return }
        for event in batch.events {
            let text = event.message
            for listener in listeners { listener.sendText(text) }
        }
    }

    func session() -> WebSocketSession {
        let id = Mutex<UInt64?>(nil)
        return WebSocketSession(
            onOpen: { [self] outbound in
                let batches = state.withLock { s -> [Batch] in
                    s.nextID += 1
                    s.listeners[s.nextID] = outbound
                    id.withLock { $0 = s.nextID }
                    return s.batches
                }
                listening.add(1, ordering: .relaxed)
                for event in batches.flatMap(\.events).suffix(Self.history) { outbound.sendText(event.message) }
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
