import Synchronization

/// Fixed one-minute windows per token and kind of request, per node (the spec's limits are per node).
final class RateLimiter: Sendable {
    enum Kind: Sendable { case evaluation, management }

    struct Decision {
        var allowed: Bool
        var limit: Int
        var remaining: Int
        /// Unix milliseconds at which the window resets.
        var resetMillis: Int64
    }

    private struct Window {
        var start: Int64
        var count: Int
    }
    private let windows = Mutex<[String: Window]>([:])
    let evaluationLimit: Int
    let managementLimit: Int

    init(evaluationLimit: Int, managementLimit: Int) {
        self.evaluationLimit = evaluationLimit
        self.managementLimit = managementLimit
    }

    func check(token: String, kind: Kind, nowMillis: Int64) -> Decision {
        let limit = kind == .evaluation ? evaluationLimit : managementLimit
        let start = nowMillis - nowMillis % 60_000
        let key = kind == .evaluation ? "e" + token : "m" + token
        let count = windows.withLock { windows -> Int in
            if windows.count > 100_000 { windows = windows.filter { $0.value.start == start } }
            var window = windows[key] ?? Window(start: start, count: 0)
            if window.start != start { window = Window(start: start, count: 0) }
            if window.count < limit { window.count += 1 } else { window.count = limit + 1 }
            windows[key] = window
            return window.count
        }
        return Decision(allowed: count <= limit, limit: limit, remaining: max(0, limit - count), resetMillis: start + 60_000)
    }
}
