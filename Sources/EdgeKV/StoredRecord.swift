/// How a value sits in a namespace database: a small header, then metadata, then the value.
///
///     [format:1][expiration:8 LE, 0 = never][metadata length:4 LE, 0 = none][metadata][value]
///
/// Keeping expiry and metadata beside the value lets one `mdb_get` answer `getWithMetadata`, and
/// lets a read hide an expired key before any sweeper has run.
struct StoredRecord {
    static let format: UInt8 = 1
    static let headerSize = 13

    var expiration: Int64
    var metadata: [UInt8]?
    var value: [UInt8]

    func encoded() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(Self.headerSize + (metadata?.count ?? 0) + value.count)
        out.append(Self.format)
        appendLE(UInt64(bitPattern: expiration), bytes: 8, to: &out)
        appendLE(UInt64(metadata?.count ?? 0), bytes: 4, to: &out)
        if let metadata { out.append(contentsOf: metadata) }
        out.append(contentsOf: value)
        return out
    }

    /// The parts of a stored record, read in place without copying the value.
    struct View {
        var expiration: Int64
        var metadata: UnsafeRawBufferPointer?
        var value: UnsafeRawBufferPointer

        init?(_ raw: UnsafeRawBufferPointer) {
            guard raw.count >= StoredRecord.headerSize, raw[0] == StoredRecord.format else { return nil }
            expiration = Int64(bitPattern: readLE(raw, at: 1, bytes: 8))
            let metadataLength = Int(readLE(raw, at: 9, bytes: 4))
            guard raw.count >= StoredRecord.headerSize + metadataLength else { return nil }
            let base = raw.baseAddress!
            metadata = metadataLength == 0 ? nil
                : UnsafeRawBufferPointer(start: base + StoredRecord.headerSize, count: metadataLength)
            let valueStart = StoredRecord.headerSize + metadataLength
            value = UnsafeRawBufferPointer(start: base + valueStart, count: raw.count - valueStart)
        }

        /// Visible while `now` is before the expiration, as in Workers KV.
        @inline(__always)
        func isLive(now: Int64) -> Bool { expiration == 0 || now < expiration }
    }
}

@inline(__always)
func appendLE(_ value: UInt64, bytes: Int, to out: inout [UInt8]) {
    for i in 0..<bytes { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
}

@inline(__always)
func readLE(_ raw: UnsafeRawBufferPointer, at offset: Int, bytes: Int) -> UInt64 {
    var value: UInt64 = 0
    for i in 0..<bytes { value |= UInt64(raw[offset + i]) << (8 * UInt64(i)) }
    return value
}

func appendBE(_ value: UInt64, to out: inout [UInt8]) {
    for i in (0..<8).reversed() { out.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
}

func readBE(_ raw: UnsafeRawBufferPointer, at offset: Int = 0) -> UInt64 {
    var value: UInt64 = 0
    for i in 0..<8 { value = value << 8 | UInt64(raw[offset + i]) }
    return value
}
