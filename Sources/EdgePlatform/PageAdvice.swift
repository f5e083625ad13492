#if canImport(Glibc)
import Glibc
#endif

/// Advice to the kernel about pages this process has mapped.
public enum PageAdvice {
    /// The size of a page.
    public static var pageSize: Int { Int(sysconf(Int32(_SC_PAGESIZE))) }

    /// Drops the pages of `[start, start + length)` from this process's resident set
    /// (`MADV_DONTNEED`). Only for read-only mappings of files: their contents come back from the
    /// page cache on the next read. Returns whether the kernel took the advice.
    @discardableResult
    public static func release(_ start: UnsafeMutableRawPointer, length: Int) -> Bool {
        madvise(start, length, MADV_DONTNEED) == 0
    }
}
