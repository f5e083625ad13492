/// One committed mutation, as the change log keeps it and the replication feed ships it.
public struct KVChange: Sendable, Equatable {
    public enum Operation: UInt8, Sendable {
        case put = 1
        case delete = 2
        /// Removed by the expiry sweeper; replicas treat it as a delete.
        case expire = 3
    }

    public var sequence: UInt64
    public var timestampMillis: Int64
    public var operation: Operation
    public var namespace: String
    public var key: [UInt8]
    /// For `.put`: the stored record (header, metadata, value) exactly as the origin wrote it.
    public var record: [UInt8]

    public init(sequence: UInt64, timestampMillis: Int64, operation: Operation, namespace: String,
                key: [UInt8], record: [UInt8]) {
        self.sequence = sequence
        self.timestampMillis = timestampMillis
        self.operation = operation
        self.namespace = namespace
        self.key = key
        self.record = record
    }

    /// `[op:1][timestamp ms:8 LE][namespace length:2 LE][namespace][key length:2 LE][key][record]`
    func encodedBody() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(13 + namespace.utf8.count + key.count + record.count)
        out.append(operation.rawValue)
        appendLE(UInt64(bitPattern: timestampMillis), bytes: 8, to: &out)
        appendLE(UInt64(namespace.utf8.count), bytes: 2, to: &out)
        out.append(contentsOf: namespace.utf8)
        appendLE(UInt64(key.count), bytes: 2, to: &out)
        out.append(contentsOf: key)
        out.append(contentsOf: record)
        return out
    }

    init?(sequence: UInt64, body raw: UnsafeRawBufferPointer) {
        guard raw.count >= 13, let op = Operation(rawValue: raw[0]) else { return nil }
        let nsLength = Int(readLE(raw, at: 9, bytes: 2))
        guard raw.count >= 11 + nsLength + 2 else { return nil }
        let keyLength = Int(readLE(raw, at: 11 + nsLength, bytes: 2))
        let keyStart = 13 + nsLength
        guard raw.count >= keyStart + keyLength else { return nil }
        self.sequence = sequence
        self.timestampMillis = Int64(bitPattern: readLE(raw, at: 1, bytes: 8))
        self.operation = op
        self.namespace = String(decoding: raw[11..<(11 + nsLength)], as: UTF8.self)
        self.key = Array(raw[keyStart..<(keyStart + keyLength)])
        self.record = Array(raw[(keyStart + keyLength)...])
    }
}
