import Dispatch
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Returns free heap pages to the kernel after a connection that held a backlog of unsent answers
/// goes: glibc keeps freed memory in its arenas, so without a trim the resident set stays at its
/// peak long after the client left. `malloc_trim` is found at run time (malloc.h is not in the
/// Glibc module), runs on a background queue, never on an event loop, and at most once in 10 s.
///
/// The flag service has the same for its own caches (`FlagsWorker`'s `HeapTrim`); the runner cannot
/// import it, and the two belong in the platform target once there is one.
enum HeapTrim {
    private typealias Trim = @convention(c) (Int) -> Int32
    private static let trim: Trim? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
        #else
        return nil
        #endif
    }()
    private static let lastRun = Mutex<NIODeadline?>(nil)
    private static let interval = TimeAmount.seconds(10)

    /// Trims the heap on a background queue, unless that was done less than 10 s ago; a call in that
    /// window schedules one at its end instead, so the last connection to go is trimmed after too.
    static func soon() {
        guard let trim else { return }
        let now = NIODeadline.now()
        let delay = lastRun.withLock { last -> TimeAmount? in
            if let previous = last, now < previous + interval {
                // One trim is scheduled after this point already.
                guard now >= previous else { return nil }
                let next = previous + interval
                last = next
                return next - now
            }
            last = now
            return .zero
        }
        guard let delay else { return }
        DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .nanoseconds(Int(delay.nanoseconds))) {
            _ = trim(0)
        }
    }
}
