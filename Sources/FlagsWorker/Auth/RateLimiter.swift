import Synchronization

/// Fixed windows per key and kind of request, per node (the spec's limits are per node): one minute
/// per token for EdgeFlags, per API key and per client IP for FeatureSignals.
final class RateLimiter: Sendable {
    struct Decision {
        var allowed: Bool
        /// Whole seconds until the window resets (at least 1): the `Retry-After` of a 429.
        func retryAfter(nowMillis: Int64) -> Int { Int(max(1, (resetMillis - nowMillis + 999) / 1000)) }
        var limit: Int
        var remaining: Int
        /// Unix milliseconds at which the window resets.
        var resetMillis: Int64
    }

    private struct Window {
        var start: Int64
        var count: Int
    }
    private let windows = Mutex<[WindowKey: Window]>([:])

    private static func count(_ window: inout Window, start: Int64, limit: Int) -> Int {
        if window.start != start { window = Window(start: start, count: 0) }
        window.count = window.count < limit ? window.count + 1 : limit + 1
        return window.count
    }

    private struct WindowKey: Hashable {
        var kind: UInt8
        var key: String
    }
    /// Counts one request against `key` in its current window of `windowMillis`. Windows of the same
    /// key in different `window` classes (budgets) are counted apart.
    func check(key: String, window: UInt8 = 0, limit: Int, windowMillis: Int64 = 60_000, nowMillis: Int64) -> Decision {
        check(WindowKey(kind: window, key: key), limit: limit, windowMillis: windowMillis, nowMillis: nowMillis)
    }

    private func check(_ key: WindowKey, limit: Int, windowMillis: Int64, nowMillis: Int64) -> Decision {
        let start = nowMillis - nowMillis % windowMillis
        let count = windows.withLock { windows -> Int in
            if windows.count > 100_000 { windows = windows.filter { $0.value.start == start } }
            // One hash of the key: the window is counted in place.
            return Self.count(&windows[key, default: Window(start: start, count: 0)], start: start, limit: limit)
        }
        return Decision(allowed: count <= limit, limit: limit, remaining: max(0, limit - count),
                        resetMillis: start + windowMillis)
    }
}
