import Synchronization

/// `POST /v1/track` impressions, counted in memory per flag and variant (per node).
final class TrackCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func record(flag: String, variant: String?) {
        counts.withLock { all in
            guard all.count < 100_000 else { return }
            all[flag + "\u{0}" + (variant ?? ""), default: 0] += 1
        }
    }

    func count(flag: String, variant: String?) -> Int {
        counts.withLock { $0[flag + "\u{0}" + (variant ?? "")] ?? 0 }
    }
}
