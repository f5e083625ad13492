import EdgeJSON
import EdgeWorker
import FlagEngine
import Synchronization

/// The `/stream/flags` subscribers of every project. After each change they are re-evaluated and
/// sent a diff of the values that changed for them; a poll of the `FLAGS` sequence every 250 ms
/// catches changes written by another process (the CLI).
final class SubscriberHub: Sendable {
    final class Subscriber: Sendable {
        let project: String
        let outbound: WebSocketOutbound
        struct Values { var context: EvaluationContext?; var flags: [String: JSONValue] = [:]; var configs: [String: JSONValue] = [:] }
        let values = Mutex(Values())

        init(project: String, outbound: WebSocketOutbound) {
            self.project = project
            self.outbound = outbound
        }
    }

    private struct State {
        var subscribers: [ObjectIdentifier: Subscriber] = [:]
        var poller: Task<Void, Never>?
    }
    private let state = Mutex(State())

    /// Re-evaluates the project's subscribers and sends each its diff.
    func changed(project: String) {
        let subscribers = state.withLock { $0.subscribers.values.filter { $0.project == project } }
        guard !subscribers.isEmpty else { return }
        resolver.withLock { $0 }?(project, subscribers)
    }

    /// Set by the stream route: evaluates a subscriber list against the current snapshot.
    let resolver = Mutex<(@Sendable (String, [Subscriber]) -> Void)?>(nil)

    func add(_ subscriber: Subscriber, sequence: @escaping @Sendable () -> UInt64) {
        state.withLock { s in
            s.subscribers[ObjectIdentifier(subscriber)] = subscriber
            guard s.poller == nil else { return }
            s.poller = Task { [weak self] in
                var seen = sequence()
                while !Task.isCancelled {
                    try? await Task.sleep(nanoseconds: 250_000_000)
                    guard let self else { return }
                    let now = sequence()
                    guard now != seen else { continue }
                    seen = now
                    let projects = Set(self.state.withLock { $0.subscribers.values.map(\.project) })
                    for project in projects { self.changed(project: project) }
                }
            }
        }
    }

    func remove(_ subscriber: Subscriber) {
        state.withLock { s in
            s.subscribers.removeValue(forKey: ObjectIdentifier(subscriber))
            if s.subscribers.isEmpty {
                s.poller?.cancel()
                s.poller = nil
            }
        }
    }

    var count: Int { state.withLock { $0.subscribers.count } }
}
