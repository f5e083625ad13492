import EdgeJSON

/// Workers KV's limits, and the validation that produces its exact error messages.
///
/// One difference from Cloudflare: Debian's liblmdb (0.9.24) caps keys at 511 bytes, one less
/// than Workers KV's 512.
public enum KVLimits {
    public static let maxKeyBytes = 511
    public static let maxValueBytes = 26_214_400
    public static let maxMetadataBytes = 1024
    public static let maxListLimit = 1000
    public static let maxBulkKeys = 100
    public static let minExpirationSeconds: Int64 = 60

    public static func validateKey(_ key: String, operation: String) throws(KVError) {
        if key.isEmpty {
            throw KVError(operation: operation, status: 400, message: "Key name cannot be empty.")
        }
        if key == "." || key == ".." {
            throw KVError(operation: operation, status: 400, message: "\"\(key)\" is not allowed as a key name.")
        }
        let length = key.utf8.count
        if length > maxKeyBytes {
            throw KVError(operation: operation, status: 414,
                          message: "UTF-8 encoded length of \(length) exceeds key length limit of \(maxKeyBytes).")
        }
    }

    static func validateValue(length: Int) throws(KVError) {
        if length > maxValueBytes {
            throw KVError(operation: "put", status: 413,
                          message: "Value length of \(length) exceeds limit of \(maxValueBytes).")
        }
    }

    static func encodeMetadata(_ metadata: JSONValue?) throws(KVError) -> [UInt8]? {
        guard let metadata else { return nil }
        let bytes = metadata.serialized()
        if bytes.count > maxMetadataBytes {
            throw KVError(operation: "put", status: 413,
                          message: "Metadata length of \(bytes.count) exceeds limit of \(maxMetadataBytes).")
        }
        return bytes
    }

    /// Resolves `expiration` / `expirationTTL` to an absolute expiry in seconds (0 = never).
    /// When both are given, `expirationTTL` wins, as in Workers KV.
    public static func resolveExpiration(expiration: Int64?, expirationTTL: Int64?, now: Int64) throws(KVError) -> Int64 {
        if let ttl = expirationTTL {
            if ttl <= 0 {
                throw KVError(operation: "put", status: 400,
                              message: "Invalid expiration_ttl of \(ttl). Please specify integer greater than 0.")
            }
            if ttl < minExpirationSeconds {
                throw KVError(operation: "put", status: 400,
                              message: "Invalid expiration_ttl of \(ttl). Expiration TTL must be at least 60.")
            }
            let (expiration, overflow) = now.addingReportingOverflow(ttl)
            return overflow ? Int64.max : expiration
        }
        if let expiration {
            if expiration <= now {
                throw KVError(operation: "put", status: 400, message:
                    "Invalid expiration of \(expiration). Please specify integer greater than the current number of seconds since the UNIX epoch.")
            }
            if expiration < now + minExpirationSeconds {
                throw KVError(operation: "put", status: 400, message:
                    "Invalid expiration of \(expiration). Expiration times must be at least 60 seconds in the future.")
            }
            return expiration
        }
        return 0
    }

    /// Parses an `expiration_ttl` given as text (CLI flag, query parameter): anything but a positive
    /// integer gets Workers KV's message.
    public static func parseExpirationTTL(_ text: String) throws(KVError) -> Int64 {
        guard let value = Int64(text), value > 0 else {
            throw KVError(operation: "put", status: 400,
                          message: "Invalid expiration_ttl of \(text). Please specify integer greater than 0.")
        }
        return value
    }

    /// Parses an `expiration` given as text.
    public static func parseExpiration(_ text: String) throws(KVError) -> Int64 {
        guard let value = Int64(text), value > 0 else {
            throw KVError(operation: "put", status: 400, message:
                "Invalid expiration of \(text). Please specify integer greater than the current number of seconds since the UNIX epoch.")
        }
        return value
    }

    static func validateListLimit(_ limit: Int) throws(KVError) {
        if limit > maxListLimit {
            throw KVError(operation: "list", status: 400,
                          message: "Invalid key_count_limit of \(limit). Please specify an integer less than 1000.")
        }
        if limit < 1 {
            throw KVError(operation: "list", status: 400,
                          message: "Invalid key_count_limit of \(limit). Please specify an integer greater than 0.")
        }
    }

    static func validateBulkCount(_ count: Int) throws(KVError) {
        if count < 1 {
            throw KVError(operation: "get", status: 400, message: "You must request a minimum of 1 key")
        }
        if count > maxBulkKeys {
            throw KVError(operation: "get", status: 400, message: "You can request a maximum of 100 keys")
        }
    }
}
