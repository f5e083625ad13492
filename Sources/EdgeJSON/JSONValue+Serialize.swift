extension JSONValue {
    /// The value as compact JSON (UTF-8), with object keys sorted by their UTF-8 bytes so that equal
    /// values always serialize to identical bytes.
    public func serialized() -> [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    /// `serialized()` as a `String`.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
