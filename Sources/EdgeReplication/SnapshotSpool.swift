import EdgeKV
import Foundation
import Synchronization

/// Snapshot files on their way out (served to a replica) or in (downloaded by one), kept in a
/// folder beside the store so that a rename never crosses file systems. Files left by a crash are
/// removed when the node starts.
///
/// Outgoing files are a store's size each, so they are leased (`lease`): a bounded number at once,
/// each removed when its lease ends — the download finished, failed, or was abandoned by the
/// runner — and a periodic sweep removes any file no lease holds.
final class SnapshotSpool: Sendable {
    let directory: String
    /// Paths of live leases.
    private let leased = Mutex<Set<String>>([])

    /// `sweepSeconds`: how often files no lease holds are removed (nil: never; the incoming spool
    /// does not lease its files).
    init(store: KVStore, name: String, sweepSeconds: Double? = nil) {
        directory = store.directory + "/" + name
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard let sweepSeconds else { return }
        // Weakly held: the sweep ends with the spool.
        Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(max(0.01, sweepSeconds) * 1e9))
                guard let self else { return }
                self.sweep()
            }
        }
    }

    func newPath() -> String { directory + "/snapshot-\(UUID().uuidString).mdb" }

    /// A new outgoing file, unless `limit` leases are live already.
    func lease(limit: Int) -> SnapshotLease? {
        let path = newPath()
        let granted = leased.withLock { live -> Bool in
            guard live.count < limit else { return false }
            live.insert(path)
            return true
        }
        return granted ? SnapshotLease(path: path, spool: self) : nil
    }

    var liveLeases: Int { leased.withLock { $0.count } }

    fileprivate func end(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
        try? FileManager.default.removeItem(atPath: path + ".partial")
        _ = leased.withLock { $0.remove(path) }
    }

    /// Removes every file no lease holds (a `.partial` file belongs to its lease's path).
    func sweep() {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return }
        let live = leased.withLock { $0 }
        for name in names {
            let path = directory + "/" + name
            let owner = path.hasSuffix(".partial") ? String(path.dropLast(".partial".count)) : path
            if !live.contains(owner) { try? FileManager.default.removeItem(atPath: path) }
        }
    }
}

/// One outgoing snapshot file: removed, and its slot given back, when `end` is called or the lease
/// is released, whichever comes first.
final class SnapshotLease: Sendable {
    let path: String
    private let spool: SnapshotSpool
    private let ended = Atomic<Bool>(false)

    fileprivate init(path: String, spool: SnapshotSpool) {
        self.path = path
        self.spool = spool
    }

    func end() {
        guard !ended.exchange(true, ordering: .relaxed) else { return }
        spool.end(path)
    }

    deinit { end() }
}

/// Runs blocking work (a snapshot copy, a checksum of a large file) on a thread of its own, off the
/// event loops and the cooperative pool.
func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread { continuation.resume(returning: work()) }.start()
    }
}

/// Reads a snapshot file in 256 KB chunks as the client pulls them, and ends its lease at the end
/// of the file, on `close`, or when the stream holding it is dropped unfinished (a runner that
/// stops pulling because its client went away does not cancel, it lets go).
final class SnapshotReader: @unchecked Sendable {
    private let lease: SnapshotLease
    private let lock = NSLock()
    private var handle: FileHandle?

    init(lease: SnapshotLease) {
        self.lease = lease
        handle = FileHandle(forReadingAtPath: lease.path)
    }

    deinit { closeLocked() }

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
        lease.end()
    }
}
