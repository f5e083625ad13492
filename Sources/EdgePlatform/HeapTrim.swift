import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Returns free heap pages to the kernel: glibc keeps freed memory in its arenas, so without a trim
/// the resident set stays at its peak long after what used it is gone (a connection's backlog of
/// unsent answers, a project's old compiled snapshot). `malloc_trim` is found at run time (malloc.h
/// is not in the Glibc module) and runs on a background queue, never on a request's thread, at
/// most once in 10 s.
public enum HeapTrim {
    private typealias Trim = @convention(c) (Int) -> Int32
    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()
    private struct State {
        /// When the last trim ran or is scheduled to run, on the monotonic clock.
        var last: Double?
        /// What the scheduled trim runs after it, for every caller that asked since.
        var after: [@Sendable () -> Void] = []
    }
    private static let state = Mutex(State())
    private static let interval = 10.0

    /// Trims the heap, then runs `also`, on a background queue. Within 10 s of the last trim, one
    /// is scheduled for the end of that window instead (once, running every caller's `also`), so
    /// that what was freed last is given back too.
    public static func soon(also: @escaping @Sendable () -> Void = {}) {
        guard let trim else { return }
        let now = MonotonicClock.seconds()
        let delay = state.withLock { s -> Double? in
            s.after.append(also)
            if let previous = s.last, now < previous + interval {
                // A trim is scheduled after this moment already: it runs `also` too.
                guard now >= previous else { return nil }
                s.last = previous + interval
                return previous + interval - now
            }
            s.last = now
            return 0
        }
        guard let delay else { return }
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + delay) {
            let after = state.withLock { s -> [@Sendable () -> Void] in
                defer { s.after.removeAll() }
                return s.after
            }
            _ = trim(0)
            for work in after { work() }
        }
    }
}
