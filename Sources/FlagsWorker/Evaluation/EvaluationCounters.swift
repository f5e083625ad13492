import CoreMetrics
import FlagEngine

/// One project's evaluations by reason, in swift-metrics (`edgeworker_flag_evaluations_total`),
/// resolved when the project is compiled: counting an evaluation is an index and an atomic add.
///
/// Counted where every dialect's evaluations meet, the kept-answer cache (`AnswerCache`): each
/// evaluated answer when it is offered to the cache, each kept answer when it is served again, from
/// its `ReasonTally` (a few adds, not one per flag). Of an answer of more than 50 flags the cache
/// holds the last 50 evaluations only, and only those are counted.
final class EvaluationCounters: Sendable {
    private let byReason: [Counter]

    init(project: String) {
        byReason = Self.reasons.map {
            Counter(label: "edgeworker_flag_evaluations_total", dimensions: [("project", project), ("reason", $0.rawValue)])
        }
    }

    func count(_ tally: ReasonTally) {
        tally.forEachCount { slot, count in byReason[slot].increment(by: count) }
    }

    fileprivate static let reasons: [Reason] = [.notFound, .disabled, .scheduledOff, .mutuallyExcluded, .prerequisiteFailed,
                                            .environmentOverride, .override, .targeted, .ruleRollout, .rollout,
                                            .variant, .fallthrough]

    /// The reason's place in `reasons`.
    fileprivate static func slot(_ reason: Reason) -> Int {
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

/// How many of some evaluations had each reason: counted once when an answer is kept, so that
/// serving it again adds a few counts instead of one per flag. Held inline (no allocation).
struct ReasonTally: Sendable {
    private var counts: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32)
        = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    init() {}

    init(_ results: some Sequence<Evaluation>) {
        withUnsafeMutableBytes(of: &counts) { raw in
            let slots = raw.bindMemory(to: UInt32.self)
            for result in results { slots[EvaluationCounters.slot(result.reason)] &+= 1 }
        }
    }

    func forEachCount(_ body: (Int, UInt32) -> Void) {
        withUnsafeBytes(of: counts) { raw in
            for (slot, count) in raw.bindMemory(to: UInt32.self).enumerated() where count > 0 { body(slot, count) }
        }
    }
}
