extension JSONValue {
    /// The nesting limit `parse` uses unless told otherwise.
    public static let defaultMaxDepth = 128

    /// Parses exactly one JSON value (RFC 8259, strict) from UTF-8 bytes.
    ///
    /// Rejects trailing commas, comments, `NaN`/`Infinity`, leading zeros, raw control characters in
    /// strings, unpaired surrogate escapes, invalid UTF-8 anywhere, numbers that overflow `Double`, and
    /// more than `maxDepth` nested arrays/objects. Duplicate object keys: the last one wins.
    ///
    /// Contiguous collections (`[UInt8]`, `ArraySlice`, `String.UTF8View`, NIO's `ByteBufferView`...)
    /// are parsed in place; anything else is copied into an array first.
    @inlinable
    public static func parse(
        _ bytes: some Collection<UInt8>,
        maxDepth: Int = JSONValue.defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        let inPlace = bytes.withContiguousStorageIfAvailable { buffer in
            JSONParser.parse(buffer, maxDepth: maxDepth)
        }
        let result = inPlace ?? Array(bytes).withUnsafeBufferPointer { buffer in
            JSONParser.parse(buffer, maxDepth: maxDepth)
        }
        return try result.get()
    }

    /// Parses exactly one JSON value from a string; see `parse(_:maxDepth:)` for the rules.
    public static func parse(
        _ string: String,
        maxDepth: Int = JSONValue.defaultMaxDepth
    ) throws(JSONParseError) -> JSONValue {
        var string = string
        let result = string.withUTF8 { buffer in
            JSONParser.parse(buffer, maxDepth: maxDepth)
        }
        return try result.get()
    }
}
