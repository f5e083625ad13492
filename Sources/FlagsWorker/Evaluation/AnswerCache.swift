import CoreMetrics
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
        case ofrepSingle, ofrepBulk
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
        /// Its project's evaluation counters and its evaluations' reasons: served again, the answer
        /// counts them.
        var counters: EvaluationCounters? = nil
        var reasons = ReasonTally()
    }

    /// One place of the table: an answer with its key and the key's hash.
    private struct Slot {
        var hash: Int
        var key: Key
        var answer: Answer
        var validUntil: Double
        var size: Int
    }

    /// A table of `maxEntries` places, each key in the one its hash names: a lookup is one probe, and a
    /// new answer takes the place of whatever was there. (A dictionary trimmed when full was tried: it
    /// evicted in bucket order, which packed the survivors into long probe runs, and under many users
    /// polling a lookup cost ten microseconds.)
    private struct State {
        var sequence: UInt64 = .max
        var slots: [Slot?] = []
        var count = 0
        var bytes = 0
        /// Where eviction for the byte budget goes on from.
        var hand = 0
        /// Hashes of requests seen once, by slot: an answer is kept the second time its request is
        /// seen, so a stream of requests that never repeat (every user new) costs a hash, not an
        /// entry, and does not push out answers that are asked for again.
        var seen = [Int](repeating: 0, count: AnswerCache.seenSlots)
    }

    static let seenSlots = 1 << 16

    /// Inputs larger than this are evaluated every time (contexts are usually a few hundred bytes).
    static let maxInputBytes = 8 * 1024
    /// Places in the table (a power of two).
    let maxEntries: Int
    let maxBytes: Int
    private let state = Mutex(State())
    private let hits = Counter(label: "edgeworker_answer_cache_lookups_total", dimensions: [("result", "hit")])
    private let misses = Counter(label: "edgeworker_answer_cache_lookups_total", dimensions: [("result", "miss")])

    init(maxEntries: Int = 16_384, maxBytes: Int = 16 << 20) {
        var places = 1
        while places < maxEntries { places <<= 1 }
        self.maxEntries = places
        self.maxBytes = maxBytes
    }

    /// The kept answer for `key`, if it was computed at this `FLAGS` sequence and is still in time.
    func answer(for key: Key, sequence: UInt64, now: Double) -> Answer? {
        let hash = key.hashValue
        let found = state.withLock { s -> Answer? in
            guard s.sequence == sequence, !s.slots.isEmpty, let slot = s.slots[hash & (maxEntries - 1)],
                  slot.hash == hash, now < slot.validUntil, slot.key == key else { return nil }
            return slot.answer
        }
        guard let found else {
            misses.increment()
            return nil
        }
        hits.increment()
        found.counters?.count(found.reasons)
        return found
    }

    /// Keeps `answer`, computed from the snapshot at `sequence`, until `validUntil` (nil: no
    /// schedule will change it), in place of what its key's place held.
    func keep(_ answer: Answer, for key: Key, sequence: UInt64, validUntil: Double?) {
        guard key.input.count <= Self.maxInputBytes else { return }
        let size = Self.size(key, answer)
        guard size <= maxBytes else { return }
        let hash = key.hashValue
        let mask = maxEntries - 1
        // What leaves the cache is freed after the lock, not under it.
        var dropped: [Slot] = []
        var droppedTable: [Slot?] = []
        state.withLock { s in
            if s.sequence != sequence {
                // Answers of an older snapshot are never asked for again.
                s.sequence = sequence
                swap(&droppedTable, &s.slots)
                s.count = 0
                s.bytes = 0
            }
            let seenSlot = hash & (Self.seenSlots - 1)
            guard s.seen[seenSlot] == hash else {
                s.seen[seenSlot] = hash
                return
            }
            if s.slots.isEmpty { s.slots = Array(repeating: nil, count: maxEntries) }
            let place = hash & mask
            if let old = s.slots[place] {
                s.slots[place] = nil
                s.count -= 1
                s.bytes -= old.size
                dropped.append(old)
            }
            // Over the byte budget: free places going round from where the last eviction stopped.
            while s.bytes + size > maxBytes {
                s.hand = (s.hand + 1) & mask
                if let old = s.slots[s.hand] {
                    s.slots[s.hand] = nil
                    s.count -= 1
                    s.bytes -= old.size
                    dropped.append(old)
                }
            }
            s.slots[place] = Slot(hash: hash, key: key, answer: answer, validUntil: validUntil ?? .infinity, size: size)
            s.count += 1
            s.bytes += size
        }
        _ = (dropped, droppedTable)
    }

    /// What an entry costs, roughly: its input, its body, and its kept evaluations.
    private static func size(_ key: Key, _ answer: Answer) -> Int {
        key.input.count + key.credential.utf8.count + (answer.response.bodyBytes?.count ?? 0)
            + answer.evaluations.count * MemoryLayout<Evaluation>.stride + 256
    }

    /// Keeps what a route answered from `snapshot` at `now`, until the snapshot's next schedule change.
    func keep(_ response: Response, for key: Key, evaluations: [Evaluation], available: Int, environment: String?,
              snapshot: ProjectSnapshot, now: Double) {
        let reasons = ReasonTally(evaluations)
        snapshot.evaluations?.count(reasons)
        keep(Answer(response: response, evaluations: evaluations, environment: environment, evaluationsAvailable: available,
                    counters: snapshot.evaluations, reasons: reasons),
             for: key, sequence: snapshot.sequence, validUntil: snapshot.ruleset.nextScheduleChange(after: now))
    }

    var count: Int { state.withLock { $0.count } }
}
