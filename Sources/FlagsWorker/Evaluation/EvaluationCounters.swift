import CoreMetrics
import FlagEngine

/// One project's evaluations by reason, in swift-metrics (`edgeworker_flag_evaluations_total`),
/// resolved when the project is compiled: counting an evaluation is an index and an atomic add.
///
/// Counted where every dialect's evaluations meet, the kept-answer cache (`AnswerCache`): each
/// evaluated answer when it is offered to the cache, each kept answer when it is served again. Of an
/// answer of more than 50 flags the cache holds the last 50 evaluations only, and only those are
/// counted when it is served again.
final class EvaluationCounters: Sendable {
    private let byReason: [Counter]

    init(project: String) {
        byReason = Self.reasons.map {
            Counter(label: "edgeworker_flag_evaluations_total", dimensions: [("project", project), ("reason", $0.rawValue)])
        }
    }

    func count(_ results: some Sequence<Evaluation>) {
        for result in results { byReason[Self.slot(result.reason)].increment() }
    }

    private static let reasons: [Reason] = [.notFound, .disabled, .scheduledOff, .mutuallyExcluded, .prerequisiteFailed,
                                            .environmentOverride, .override, .targeted, .ruleRollout, .rollout,
                                            .variant, .fallthrough]

    /// The reason's place in `reasons`.
    private static func slot(_ reason: Reason) -> Int {
        switch reason {
        case .notFound: 0
        case .disabled: 1
        case .scheduledOff: 2
        case .mutuallyExcluded: 3
        case .prerequisiteFailed: 4
        case .environmentOverride: 5
        case .override: 6
        case .targeted: 7
        case .ruleRollout: 8
        case .rollout: 9
        case .variant: 10
        case .fallthrough: 11
        }
    }
}
