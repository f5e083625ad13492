import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Returns free heap pages to the kernel (glibc's `malloc_trim`, found at run time: malloc.h is not
/// in the Glibc module) on a background queue, at most once in 10 s, never on a request's thread.
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
    private static let lastRun = Mutex<Double>(-.infinity)

    /// Trims the heap, then runs `also`, on a background queue (both at most once in 10 s).
    public static func soon(also: @escaping @Sendable () -> Void = {}) {
        guard let trim else { return }
        let now = MonotonicClock.seconds()
        let due = lastRun.withLock { last -> Bool in
            guard now - last >= 10 else { return false }
            last = now
            return true
        }
        guard due else { return }
        DispatchQueue.global(qos: .utility).async {
            _ = trim(0)
            also()
        }
    }

    /// Trims the heap now, on the caller's thread; false where `malloc_trim` does not exist.
    @discardableResult
    public static func now() -> Bool {
        guard let trim else { return false }
        _ = trim(0)
        return true
    }
}
