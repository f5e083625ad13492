import Synchronization

/// Failed logins per email in a sliding window (per node): at `maxFailures` the email is locked until
/// the oldest counted failure leaves the window, whatever password comes next.
final class LoginLockout: Sendable {
    private let failures = Mutex<[String: [Int64]]>([:])
    let maxFailures: Int
    let windowMillis: Int64

    init(maxFailures: Int, windowSeconds: Int64) {
        self.maxFailures = maxFailures
        windowMillis = windowSeconds * 1000
    }

    /// Seconds until `email` may try again, or nil when it is not locked.
    func retryAfter(_ email: String, nowMillis: Int64) -> Int? {
        failures.withLock { all -> Int? in
            let recent = (all[email] ?? []).filter { $0 > nowMillis - windowMillis }
            all[email] = recent.isEmpty ? nil : recent
            guard recent.count >= maxFailures, let oldest = recent.first else { return nil }
            return Int(max(1, (oldest + windowMillis - nowMillis + 999) / 1000))
        }
    }

    func recordFailure(_ email: String, nowMillis: Int64) {
        failures.withLock { all in
            if all.count > 100_000 { all = all.filter { $0.value.last ?? 0 > nowMillis - windowMillis } }
            all[email, default: []].append(nowMillis)
        }
    }

    func reset(_ email: String) {
        failures.withLock { _ = $0.removeValue(forKey: email) }
    }
}
