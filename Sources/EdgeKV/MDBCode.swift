import CLMDB

/// LMDB return codes the store reacts to, and their text.
enum MDBCode {
    static let success: Int32 = 0
    static let notFound: Int32 = MDB_NOTFOUND
    static let mapFull: Int32 = MDB_MAP_FULL
    static let mapResized: Int32 = MDB_MAP_RESIZED
    static let keyExist: Int32 = MDB_KEYEXIST

    static func describe(_ code: Int32) -> String {
        guard let text = mdb_strerror(code) else { return "LMDB error \(code)" }
        return String(cString: text)
    }
}

/// Runs an LMDB call and throws a storage `KVError` on failure.
@inline(__always)
func mdbCheck(_ code: Int32, _ operation: String) throws(KVError) {
    if code != 0 { throw KVError.storage(operation, code: code) }
}

extension MDB_val {
    /// Borrows `bytes` as an `MDB_val` for the duration of `body` (LMDB copies keys and values on write).
    static func with<R>(_ bytes: [UInt8], _ body: (inout MDB_val) throws -> R) rethrows -> R {
        var copy = bytes
        return try copy.withUnsafeMutableBytes { raw in
            var val = MDB_val(mv_size: raw.count, mv_data: raw.baseAddress)
            return try body(&val)
        }
    }

    var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: mv_data, count: mv_size)
    }
}
