import CLMDB
import Crypto
import Foundation

/// What a snapshot holds: the sequence it is consistent at, its size and its SHA-256.
public struct KVSnapshotInfo: Sendable, Equatable {
    /// Version of the snapshot format: an LMDB data file written by `mdb_env_copyfd2` with
    /// `MDB_CP_COMPACT`, whose `__meta` database holds the sequence.
    public static let formatVersion = 1
    public var sequence: UInt64
    public var bytes: Int
    public var sha256: String
}

extension KVStore {
    /// Streams a consistent, compacted copy of the whole environment to `sink`, chunk by chunk,
    /// never holding it whole in memory. LMDB writes the copy from its own read transaction, so
    /// writers go on meanwhile. Returns the size and checksum of what was streamed.
    public func streamSnapshot(chunkSize: Int = 1 << 20, _ sink: ([UInt8]) throws -> Void) throws -> (bytes: Int, sha256: String) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw KVError(operation: "snapshot", status: 500, message: "Cannot create a pipe: \(String(cString: strerror(errno)))")
        }
        let readEnd = fds[0], writeEnd = fds[1]
        let env = self.env
        let copier = SnapshotCopier(env: env, fd: writeEnd)
        let thread = Thread { copier.run() }
        thread.name = "edgekv-snapshot"
        thread.start()
        var hasher = SHA256()
        var total = 0
        var buffer = [UInt8](repeating: 0, count: chunkSize)
        var sinkError: (any Error)?
        while true {
            let n = buffer.withUnsafeMutableBytes { read(readEnd, $0.baseAddress, chunkSize) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            let chunk = Array(buffer[0..<n])
            hasher.update(data: chunk)
            total += n
            if sinkError == nil {
                do { try sink(chunk) } catch {
                    // Stop consuming: closing our end makes the copier fail fast with EPIPE.
                    sinkError = error
                    break
                }
            }
        }
        closeDescriptor(readEnd)
        let rc = copier.waitForResult()
        if let sinkError { throw sinkError }
        try mdbCheck(rc, "snapshot")
        return (total, hasher.finalize().map { String(format: "%02x", $0) }.joined())
    }

    /// Writes a snapshot to `path` atomically (temporary file, fsync, rename) and returns what it holds.
    public func writeSnapshot(to path: String, progress: ((Int) -> Void)? = nil) throws -> KVSnapshotInfo {
        let temporary = path + ".partial"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw KVError(operation: "snapshot", status: 500, message: "Cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        var written = 0
        do {
            let (bytes, sha) = try streamSnapshot { chunk in
                try writeAll(fd: fd, chunk)
                written += chunk.count
                progress?(written)
            }
            guard fsync(fd) == 0 else { throw KVError(operation: "snapshot", status: 500, message: "fsync failed") }
            closeDescriptor(fd)
            let sequence = try Self.inspectSnapshot(at: temporary)
            guard rename(temporary, path) == 0 else {
                throw KVError(operation: "snapshot", status: 500, message: "Cannot rename to \(path)")
            }
            return KVSnapshotInfo(sequence: sequence, bytes: bytes, sha256: sha)
        } catch {
            closeDescriptor(fd)
            unlink(temporary)
            throw error
        }
    }

    /// Opens a snapshot file read-only and returns the sequence it is consistent at; throws when
    /// the file is not a store snapshot.
    public static func inspectSnapshot(at path: String) throws -> UInt64 {
        try readSnapshot(at: path, operation: "snapshot") { txn, meta in readUInt64(txn: txn, dbi: meta, key: sequenceKey) ?? 0 }
    }

    /// Runs `body` in a read transaction of the snapshot file at `path`, with its `__meta` database;
    /// a 400 when the file is not a store snapshot.
    static func readSnapshot<R>(at path: String, operation: String,
                                _ body: (_ txn: OpaquePointer, _ meta: MDB_dbi) throws -> R) throws -> R {
        try withSnapshot(at: path, operation: operation, writable: false, body)
    }

    /// Opens the snapshot file at `path` with its `__meta` database, in a read transaction, or in a
    /// write transaction committed durably after `body` when `writable`; a 400 when the file is not
    /// a store snapshot.
    private static func withSnapshot<R>(at path: String, operation: String, writable: Bool,
                                        _ body: (_ txn: OpaquePointer, _ meta: MDB_dbi) throws -> R) throws -> R {
        var envPointer: OpaquePointer?
        try mdbCheck(mdb_env_create(&envPointer), operation)
        guard let env = envPointer else { throw KVError.storage(operation, code: -1) }
        defer { mdb_env_close(env) }
        mdb_env_set_maxdbs(env, 1024)
        if writable {
            // A compacted copy has no free pages: leave room for a few writes.
            var info = stat()
            guard stat(path, &info) == 0 else { throw KVError(operation: operation, status: 500, message: "Cannot read \(path).") }
            mdb_env_set_mapsize(env, Int(info.st_size) + (16 << 20))
        }
        let rc = mdb_env_open(env, path, UInt32(MDB_NOSUBDIR | MDB_NOLOCK) | (writable ? 0 : UInt32(MDB_RDONLY)), 0o644)
        guard rc == 0 else {
            throw KVError(operation: operation, status: 400, message: "\(path) is not a store snapshot (\(MDBCode.describe(rc))).")
        }
        var txnPointer: OpaquePointer?
        try mdbCheck(mdb_txn_begin(env, nil, writable ? 0 : UInt32(MDB_RDONLY), &txnPointer), operation)
        guard let txn = txnPointer else { throw KVError.storage(operation, code: -1) }
        var finished = false
        defer { if !finished { mdb_txn_abort(txn) } }
        var meta: MDB_dbi = 0
        guard mdb_dbi_open(txn, metaName, 0, &meta) == 0 else {
            throw KVError(operation: operation, status: 400, message: "\(path) is an LMDB file but not a store snapshot.")
        }
        let result = try body(txn, meta)
        if writable {
            finished = true  // mdb_txn_commit frees the transaction even when it fails
            try mdbCheck(mdb_txn_commit(txn), operation)
            try mdbCheck(mdb_env_sync(env, 1), operation)
        }
        return result
    }

    /// Replaces the store in `directory` with the snapshot at `path`. The store must not be open in
    /// any process: an exclusive lock on the directory is taken for the swap.
    public static func restoreSnapshot(from path: String, into directory: String, progress: ((Int, Int) -> Void)? = nil) throws -> UInt64 {
        let sequence = try inspectSnapshot(at: path)
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let lockFD = open(directory + "/edgeworker.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            if lockFD >= 0 { closeDescriptor(lockFD) }
            throw KVError(operation: "restore", status: 423,
                          message: "The store in \(directory) is open in another process; stop it before restoring.")
        }
        defer { flock(lockFD, LOCK_UN); closeDescriptor(lockFD) }
        let input = open(path, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw KVError(operation: "restore", status: 400, message: "Cannot read \(path).") }
        defer { closeDescriptor(input) }
        var info = stat()
        fstat(input, &info)
        let total = Int(info.st_size)
        let temporary = directory + "/data.mdb.restoring"
        let output = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw KVError(operation: "restore", status: 500, message: "Cannot write \(temporary).") }
        var copied = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        do {
            while true {
                let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 { throw KVError(operation: "restore", status: 500, message: "Read error on \(path).") }
                if n == 0 { break }
                try writeAll(fd: output, Array(buffer[0..<n]))
                copied += n
                progress?(copied, total)
            }
            guard fsync(output) == 0 else { throw KVError(operation: "restore", status: 500, message: "fsync failed") }
            closeDescriptor(output)
        } catch {
            closeDescriptor(output)
            unlink(temporary)
            throw error
        }
        // The copy starts a history of its own before it goes into place: replicas that followed
        // the store before (or the store the snapshot came from) then refuse to mix sequences.
        do {
            try startNewHistory(inSnapshotAt: temporary)
        } catch {
            unlink(temporary)
            throw error
        }
        unlink(directory + "/lock.mdb")
        guard rename(temporary, directory + "/data.mdb") == 0 else {
            throw KVError(operation: "restore", status: 500, message: "Cannot move the snapshot into place.")
        }
        return sequence
    }

    /// Gives the snapshot file at `path` a new history id, durably.
    static func startNewHistory(inSnapshotAt path: String) throws {
        try withSnapshot(at: path, operation: "restore", writable: true) { txn, meta in
            try writeBytes(txn: txn, dbi: meta, key: historyKey, value: Array(newHistory().utf8))
        }
    }
}

func writeAll(fd: Int32, _ bytes: [UInt8]) throws {
    var offset = 0
    while offset < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + offset, bytes.count - offset) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { throw KVError(operation: "snapshot", status: 500, message: "Write failed: \(String(cString: strerror(errno)))") }
        offset += n
    }
}

/// Runs `mdb_env_copyfd2` on a thread of its own, writing into a pipe that the caller drains.
private final class SnapshotCopier: @unchecked Sendable {
    let env: OpaquePointer
    let fd: Int32
    private let done = NSCondition()
    private var result: Int32?

    init(env: OpaquePointer, fd: Int32) {
        self.env = env
        self.fd = fd
    }

    func run() {
        // A reader that went away must not kill the process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        let rc = mdb_env_copyfd2(env, fd, UInt32(MDB_CP_COMPACT))
        closeDescriptor(fd)
        done.lock()
        result = rc
        done.signal()
        done.unlock()
    }

    func waitForResult() -> Int32 {
        done.lock()
        defer { done.unlock() }
        while result == nil { done.wait() }
        return result ?? -1
    }
}
