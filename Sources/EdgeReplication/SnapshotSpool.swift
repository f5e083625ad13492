import EdgeKV
import Foundation

/// Snapshot files on their way out (served to a replica) or in (downloaded by one), kept in a
/// folder beside the store so that a rename never crosses file systems. Files left by a crash are
/// removed when the node starts.
struct SnapshotSpool: Sendable {
    let directory: String

    init(store: KVStore, name: String) {
        directory = store.directory + "/" + name
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func newPath() -> String { directory + "/snapshot-\(UUID().uuidString).mdb" }
}

/// Runs blocking work (a snapshot copy, a checksum of a large file) on a thread of its own, off the
/// event loops and the cooperative pool.
func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}

/// Reads a snapshot file in 256 KB chunks as the client pulls them, and removes it at the end.
final class SnapshotReader: @unchecked Sendable {
    private let path: String
    private let lock = NSLock()
    private var handle: FileHandle?

    init(path: String) {
        self.path = path
        handle = FileHandle(forReadingAtPath: path)
    }

    func next() -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        guard let handle, let chunk = try? handle.read(upToCount: 1 << 18), !chunk.isEmpty else {
            closeLocked()
            return nil
        }
        return [UInt8](chunk)
    }

    func close() {
        lock.lock()
        closeLocked()
        lock.unlock()
    }

    private func closeLocked() {
        try? handle?.close()
        handle = nil
        try? FileManager.default.removeItem(atPath: path)
    }
}
