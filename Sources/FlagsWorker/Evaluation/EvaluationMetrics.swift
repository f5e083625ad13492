import FlagEngine
import Synchronization

/// FeatureSignals evaluations counted in memory per project, flag and reason, on this node, since
/// start (`GET /v1/metrics/evaluations`). One uncontended lock per request; a bulk evaluation counts
/// its whole batch under it.
final class EvaluationMetrics: Sendable {
    struct Key: Hashable, Sendable {
        var project: String
        var flag: String
        var reason: Reason
    }
    private let counts = Mutex<[Key: Int]>([:])
    let since: Double

    init(since: Double) { self.since = since }

    func record(project: String, _ results: some Sequence<Evaluation>) {
        counts.withLock { counts in
            for result in results {
                let key = Key(project: project, flag: result.flagKey, reason: result.reason)
                // Keys of unknown flags come from callers: bounded, so they cannot grow memory forever.
                if counts[key] == nil && counts.count >= 100_000 { continue }
                counts[key, default: 0] += 1
            }
        }
    }

    /// The counts of these projects.
    func snapshot(projects: Set<String>) -> [Key: Int] {
        counts.withLock { $0.filter { projects.contains($0.key.project) } }
    }
}
