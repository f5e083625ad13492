#if canImport(Glibc)
import Glibc
#endif

/// Seconds on a clock that never jumps (`CLOCK_MONOTONIC`): for durations, never for dates.
public enum MonotonicClock {
    @inline(__always)
    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
