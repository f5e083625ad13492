#if canImport(Glibc)
import Glibc
#endif

/// `close(2)`, named apart from `KVStore.close()`.
@inline(__always)
func closeDescriptor(_ fd: Int32) {
    _ = Glibc.close(fd)
}
