/// The one error type of the KV layer: an operation, an HTTP-style status and the exact message
/// Workers KV gives for the same mistake, so every layer above can pass it through unchanged.
public struct KVError: Error, Sendable, Equatable, CustomStringConvertible {
    public var operation: String
    public var status: Int
    public var message: String

    public init(operation: String, status: Int, message: String) {
        self.operation = operation
        self.status = status
        self.message = message
    }

    public var description: String { "KV \(operation) failed: \(message)" }

    /// A failure of the storage engine itself (map full, disk full, I/O). The store is unchanged.
    static func storage(_ operation: String, code: Int32) -> KVError {
        if code == MDBCode.mapFull {
            return KVError(operation: operation, status: 507,
                           message: "Storage is full (LMDB map size reached); raise [storage] map_size_mb.")
        }
        return KVError(operation: operation, status: 500, message: "Storage error: \(MDBCode.describe(code)).")
    }
}
