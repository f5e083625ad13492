import EdgeJSON
import EdgeWorker
import FlagEngine
import Synchronization

/// Everyone following a project's changes live: the EdgeFlags `/stream/flags` WebSockets and the
/// FeatureSignals `/v1/stream/{envKey}` event streams. A change made through either API notifies
/// the project's listeners at once; a poll of the `FLAGS` sequence every 250 ms catches changes
/// written by another process (the CLI, a replica applying the origin's changes).
final class SubscriberHub: Sendable {
    /// A `/stream/flags` connection: its context and the values it was last sent.
    final class Subscriber: Sendable {
        let project: String
        let outbound: WebSocketOutbound
        /// Whether its token may read configs (`read:configs`); without it the configs map stays empty.
        let readsConfigs: Bool
        struct Values { var context: EvaluationContext?; var flags: [String: JSONValue] = [:]; var configs: [String: JSONValue] = [:] }
        let values = Mutex(Values())

        init(project: String, outbound: WebSocketOutbound, readsConfigs: Bool) {
            self.project = project
            self.outbound = outbound
            self.readsConfigs = readsConfigs
        }
    }

    private struct Listener {
        var project: String
        var changed: @Sendable () -> Void
    }
    private struct State {
        var listeners: [UInt64: Listener] = [:]
        var nextID: UInt64 = 0
        var poller: Task<Void, Never>?
    }
    private let state = Mutex(State())

    /// Tells the project's listeners that something changed; each works out what, for itself.
    func changed(project: String) {
        let listeners = state.withLock { $0.listeners.values.filter { $0.project == project } }
        for listener in listeners { listener.changed() }
    }

    /// Adds a listener of `project`; `sequence` reads the `FLAGS` change sequence for the poll.
    /// Returns the id to `remove` it with.
    func add(project: String, sequence: @escaping @Sendable () -> UInt64,
             changed: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLock { s in
            s.nextID += 1
            s.listeners[s.nextID] = Listener(project: project, changed: changed)
            if s.poller == nil {
                s.poller = Task { [weak self] in
                    var seen = sequence()
                    while !Task.isCancelled {
                        try? await Task.sleep(nanoseconds: 250_000_000)
                        guard let self else { return }
                        let now = sequence()
                        guard now != seen else { continue }
                        seen = now
                        let projects = Set(self.state.withLock { $0.listeners.values.map(\.project) })
                        for project in projects { self.changed(project: project) }
                    }
                }
            }
            return s.nextID
        }
    }

    func remove(_ id: UInt64) {
        state.withLock { s in
            s.listeners.removeValue(forKey: id)
            if s.listeners.isEmpty {
                s.poller?.cancel()
                s.poller = nil
            }
        }
    }

    var count: Int { state.withLock { $0.listeners.count } }
}
