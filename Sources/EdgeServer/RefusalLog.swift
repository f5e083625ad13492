import Logging
import NIOCore
import Synchronization

/// Connections refused over a cap: counted, and logged at most once in 10 s, since a flood that
/// trips a cap would otherwise write a line for every socket it opens.
final class RefusalLog: Sendable {
    private struct State {
        var perClient = 0
        var total = 0
        /// Refusals since the last line, and when that line was written.
        var unlogged = 0
        var loggedAt: NIODeadline?
    }

    private let state = Mutex(State())
    static let interval = TimeAmount.seconds(10)

    var counts: (perClient: Int, total: Int) { state.withLock { ($0.perClient, $0.total) } }

    func record(_ refusal: ConnectionRegistry.Refusal, peer: String, logger: Logger) {
        let now = NIODeadline.now()
        let line = state.withLock { s -> Int? in
            switch refusal {
            case .perClient: s.perClient += 1
            case .total: s.total += 1
            }
            s.unlogged += 1
            if let at = s.loggedAt, now < at + Self.interval { return nil }
            defer { s.unlogged = 0 }
            s.loggedAt = now
            return s.unlogged
        }
        guard let count = line else { return }
        let cap = refusal == .perClient ? "max_connections_per_client" : "max_connections"
        logger.warning("connection refused with 503: \(refusal.message)",
                       metadata: ["client": "\(peer)", "cap": "\(cap)",
                                  "refused_since_last_line": "\(count)"])
    }
}
