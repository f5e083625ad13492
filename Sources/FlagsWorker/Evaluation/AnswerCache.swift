import EdgeWorker
import FlagEngine
import Synchronization

/// Answers of the evaluation routes, kept by (route, credential, request input) for as long as what
/// they were computed from stays the same: the `FLAGS` namespace (so the compiled project) and the
/// time up to the ruleset's next schedule change. Evaluation is a pure function of those and of the
/// context in the request, so a kept answer is byte for byte what evaluating again would give.
///
/// SDKs poll with the same context over and over; this turns those repeats into one lookup. The
/// side effects of an evaluation still happen on every request — rate limits, the tail stream,
/// metrics, `last_used_at` — from the evaluations kept with the answer.
final class AnswerCache: Sendable {
    enum Route: UInt8, Sendable {
        case edgeFlagsBulk, edgeFlagsSingle, featureSignalsOne, featureSignalsBulk, featureSignalsClient
    }

    struct Key: Hashable, Sendable {
        var route: Route
        /// Who asked: the token's hash or the API key's id (what they may see, and where).
        var credential: String
        /// The request's input: its body, or its target for a GET.
        var input: [UInt8]

        /// The input's bytes in one go (an array's own hashing feeds the hasher byte by byte).
        func hash(into hasher: inout Hasher) {
            hasher.combine(route)
            hasher.combine(credential)
            input.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    struct Answer: Sendable {
        /// What was answered (status 200), headers and all.
        var response: Response
        /// What was evaluated, for the side effects of serving it again; for a large answer maybe
        /// only the last of them (see `evaluationsAvailable`).
        var evaluations: [Evaluation]
        var environment: String?
        /// How many evaluations the answer holds in all.
        var evaluationsAvailable: Int
    }

    private struct Entry {
        var answer: Answer
        var validUntil: Double
    }

    private struct State {
        var sequence: UInt64 = .max
        var entries: [Key: Entry] = [:]
        var bytes = 0
        /// Hashes of requests seen once, by slot: an answer is kept the second time its request is
        /// seen, so a stream of requests that never repeat (every user new) costs a hash, not an
        /// entry, and does not push out answers that are asked for again.
        var seen = [Int](repeating: 0, count: AnswerCache.seenSlots)
    }

    static let seenSlots = 1 << 16

    /// Inputs larger than this are evaluated every time (contexts are usually a few hundred bytes).
    static let maxInputBytes = 8 * 1024
    let maxEntries: Int
    let maxBytes: Int
    private let state = Mutex(State())

    init(maxEntries: Int = 16_384, maxBytes: Int = 16 << 20) {
        self.maxEntries = maxEntries
        self.maxBytes = maxBytes
    }

    /// The kept answer for `key`, if it was computed at this `FLAGS` sequence and is still in time.
    func answer(for key: Key, sequence: UInt64, now: Double) -> Answer? {
        state.withLock { s in
            guard s.sequence == sequence, let entry = s.entries[key], now < entry.validUntil else { return nil }
            return entry.answer
        }
    }

    /// Keeps `answer`, computed from the snapshot at `sequence`, until `validUntil` (nil: no
    /// schedule will change it). A full cache starts over rather than tracking recency per hit.
    func keep(_ answer: Answer, for key: Key, sequence: UInt64, validUntil: Double?) {
        guard key.input.count <= Self.maxInputBytes else { return }
        let size = Self.size(key, answer)
        let hash = key.hashValue
        // What leaves the cache is freed after the lock, not under it.
        var dropped: [Key: Entry] = [:]
        state.withLock { s in
            if s.sequence != sequence {
                // Answers of an older snapshot are never asked for again.
                s.sequence = sequence
                swap(&dropped, &s.entries)
                s.bytes = 0
            }
            let slot = hash & (Self.seenSlots - 1)
            guard s.seen[slot] == hash else {
                s.seen[slot] = hash
                return
            }
            if s.entries.count >= maxEntries || s.bytes + size > maxBytes {
                // Make room by an eighth, not all at once: no cliff for the answers still in use.
                // The keys are copied out first: removing while iterating the dictionary's own key view
                // would copy the whole dictionary.
                let victims = Array(s.entries.keys.prefix(max(1, s.entries.count / 8)))
                for key in victims {
                    if let entry = s.entries.removeValue(forKey: key) {
                        s.bytes -= Self.size(key, entry.answer)
                        dropped[key] = entry
                    }
                }
            }
            if s.entries.updateValue(Entry(answer: answer, validUntil: validUntil ?? .infinity), forKey: key) == nil {
                s.bytes += size
            }
        }
        _ = dropped
    }

    /// What an entry costs, roughly: its input, its body, and its kept evaluations.
    private static func size(_ key: Key, _ answer: Answer) -> Int {
        key.input.count + key.credential.utf8.count + (answer.response.bodyBytes?.count ?? 0)
            + answer.evaluations.count * MemoryLayout<Evaluation>.stride + 256
    }

    /// Keeps what a route answered from `snapshot` at `now`, until the snapshot's next schedule change.
    func keep(_ response: Response, for key: Key, evaluations: [Evaluation], available: Int, environment: String?,
              snapshot: ProjectSnapshot, now: Double) {
        keep(Answer(response: response, evaluations: evaluations, environment: environment, evaluationsAvailable: available),
             for: key, sequence: snapshot.sequence, validUntil: snapshot.ruleset.nextScheduleChange(after: now))
    }

    var count: Int { state.withLock { $0.entries.count } }
}
