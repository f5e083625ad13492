/// Byte-wise string tests. Strings compare by UTF-8 bytes, as both reference servers do, rather than
/// by Swift's canonical equivalence (which would also be slower on non-ASCII text).
enum UTF8Text {
    @inline(__always)
    static func withBytes<R>(_ string: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = string.utf8.withContiguousStorageIfAvailable(body) { return result }
        let copy = Array(string.utf8)
        return copy.withUnsafeBufferPointer(body)
    }

    /// `bytes[offset..<offset + other.count] == other`; the caller guarantees the range is in bounds.
    /// A plain loop: the generic `elementsEqual` over slices costs several times as much.
    @inline(__always)
    private static func bytes(_ bytes: UnsafeBufferPointer<UInt8>, at offset: Int, equal other: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < other.count {
            if bytes[offset &+ index] != other[index] { return false }
            index &+= 1
        }
        return true
    }

    static func equal(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        return withBytes(lhs) { left in withBytes(rhs) { right in bytes(left, at: 0, equal: right) } }
    }

    static func hasPrefix(_ string: String, _ prefix: String) -> Bool {
        withBytes(string) { text in
            withBytes(prefix) { prefix in
                text.count >= prefix.count && bytes(text, at: 0, equal: prefix)
            }
        }
    }

    static func hasSuffix(_ string: String, _ suffix: String) -> Bool {
        withBytes(string) { text in
            withBytes(suffix) { suffix in
                text.count >= suffix.count && bytes(text, at: text.count - suffix.count, equal: suffix)
            }
        }
    }

    static func contains(_ string: String, _ needle: String) -> Bool {
        withBytes(string) { text in
            withBytes(needle) { needle in
                guard let first = needle.first else { return true }
                guard text.count >= needle.count else { return false }
                var start = 0
                let last = text.count - needle.count
                while start <= last {
                    if text[start] == first && bytes(text, at: start, equal: needle) { return true }
                    start += 1
                }
                return false
            }
        }
    }

    /// The number a string spells in JSON number syntax (`-12.5e3`), or nil. Stricter than
    /// `Double(_:)`, which also takes `inf`, `nan` and hex floats.
    static func number(_ string: String) -> Double? {
        let isJSONNumber = withBytes(string) { bytes -> Bool in
            var index = 0
            let count = bytes.count
            func digits() -> Int {
                let start = index
                while index < count, bytes[index] >= 48, bytes[index] <= 57 { index += 1 }
                return index - start
            }
            if index < count, bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
            if index < count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { return false }
            }
            if index < count, bytes[index] | 0x20 == UInt8(ascii: "e") {
                index += 1
                if index < count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { return false }
            }
            return index == count
        }
        return isJSONNumber ? Double(string) : nil
    }
}
