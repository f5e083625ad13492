/// The strict RFC 8259 parser behind `JSONValue.parse`.
///
/// It works directly on an `UnsafeBufferPointer<UInt8>` so that request bodies and KV values are parsed
/// without copying: strings without escapes become `String`s straight from their (validated) UTF-8
/// slice, small integers skip the general `Double` parser, and plain string runs are scanned 8 bytes
/// at a time. Recursion is bounded by `maxDepth`, so hostile nesting is an error, never a stack overflow.
@usableFromInline
struct JSONParser {
    private let buf: UnsafeBufferPointer<UInt8>
    private let end: Int
    private let maxDepth: Int
    private var pos = 0
    /// Reused buffer for decoding strings that contain escapes.
    private var scratch: [UInt8] = []
    /// Members of the objects being parsed, innermost last: each object's dictionary is then made
    /// once at its final size instead of growing (and rehashing) member by member.
    private var pendingMembers: [(key: String, value: JSONValue)] = []

    private init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.buf = buffer
        self.end = buffer.count
        self.maxDepth = maxDepth
    }

    /// Parses the whole buffer as one JSON document.
    @usableFromInline
    static func parse(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) -> Result<JSONValue, JSONParseError> {
        var parser = JSONParser(buffer: buffer, maxDepth: maxDepth)
        do throws(JSONParseError) {
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            if parser.pos < parser.end { throw parser.unexpected(at: parser.pos) }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Values

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard pos < end else { throw endOfInput() }
        switch buf[pos] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw unexpected(at: pos)
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONParseError(.nestingTooDeep(limit: maxDepth), offset: pos) }
        pos += 1  // {
        skipWhitespace()
        if pos < end, buf[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object([:])
        }
        if pendingMembers.capacity == 0 { pendingMembers.reserveCapacity(16) }
        let first = pendingMembers.count
        while true {
            skipWhitespace()
            guard pos < end else { throw endOfInput() }
            guard buf[pos] == UInt8(ascii: "\"") else { throw unexpected(at: pos) }
            let key = try parseString()
            skipWhitespace()
            guard pos < end else { throw endOfInput() }
            guard buf[pos] == UInt8(ascii: ":") else { throw unexpected(at: pos) }
            pos += 1
            let value = try parseValue(depth: depth)
            pendingMembers.append((key, value))
            skipWhitespace()
            guard pos < end else { throw endOfInput() }
            switch buf[pos] {
            case UInt8(ascii: ","):
                pos += 1
            case UInt8(ascii: "}"):
                pos += 1
                var members = [String: JSONValue](minimumCapacity: pendingMembers.count - first)
                for index in first..<pendingMembers.count {
                    members[pendingMembers[index].key] = pendingMembers[index].value  // a repeated key: the last wins
                }
                pendingMembers.removeSubrange(first...)
                return .object(members)
            default:
                throw unexpected(at: pos)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONParseError(.nestingTooDeep(limit: maxDepth), offset: pos) }
        pos += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if pos < end, buf[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard pos < end else { throw endOfInput() }
            switch buf[pos] {
            case UInt8(ascii: ","):
                pos += 1
            case UInt8(ascii: "]"):
                pos += 1
                return .array(elements)
            default:
                throw unexpected(at: pos)
            }
        }
    }

    private mutating func literal(_ text: StaticString, _ value: JSONValue) throws(JSONParseError) -> JSONValue {
        let expected = text.utf8Start
        for i in 0..<text.utf8CodeUnitCount {
            guard pos + i < end else { throw endOfInput() }
            guard buf[pos + i] == expected[i] else { throw unexpected(at: pos + i) }
        }
        pos += text.utf8CodeUnitCount
        return value
    }

    // MARK: - Numbers

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        let start = pos
        let negative = buf[pos] == UInt8(ascii: "-")
        if negative { pos += 1 }
        let integerStart = pos
        guard pos < end else { throw endOfInput() }
        let first = buf[pos]
        if first == UInt8(ascii: "0") {
            pos += 1  // a leading zero stands alone; "01" fails on the '1' in the caller
        } else if Self.isDigit(first) {
            pos += 1
            skipDigits()
        } else {
            throw unexpected(at: pos)
        }
        let integerEnd = pos
        var isInteger = true
        if pos < end, buf[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            try requireDigits()
        }
        if pos < end, buf[pos] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            pos += 1
            if pos < end, buf[pos] == UInt8(ascii: "+") || buf[pos] == UInt8(ascii: "-") { pos += 1 }
            try requireDigits()
        }

        // Fast path: up to 15 digits is < 2^53, so exact in a Double.
        if isInteger, integerEnd - integerStart <= 15 {
            var magnitude = 0
            for i in integerStart..<integerEnd { magnitude = magnitude &* 10 &+ Int(buf[i] &- UInt8(ascii: "0")) }
            if negative { return magnitude == 0 ? -0.0 : -Double(magnitude) }
            return Double(magnitude)
        }

        // General path: the text is validated JSON number syntax, which Double(String) parses correctly rounded.
        let text = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONParseError(.numberOutOfRange, offset: start)
        }
        return value
    }

    private mutating func requireDigits() throws(JSONParseError) {
        guard pos < end else { throw endOfInput() }
        guard Self.isDigit(buf[pos]) else { throw unexpected(at: pos) }
        pos += 1
        skipDigits()
    }

    @inline(__always)
    private mutating func skipDigits() {
        while pos < end, Self.isDigit(buf[pos]) { pos += 1 }
    }

    @inline(__always)
    private static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    // MARK: - Strings

    /// Parses a string starting at its opening quote.
    private mutating func parseString() throws(JSONParseError) -> String {
        pos += 1  // opening quote
        let start = pos
        while true {
            pos = plainRunEnd(from: pos)
            guard pos < end else { throw endOfInput() }
            let byte = buf[pos]
            if byte == UInt8(ascii: "\"") {
                // Already validated, so decoding never substitutes replacement characters.
                let string = String(decoding: UnsafeBufferPointer(rebasing: buf[start..<pos]), as: UTF8.self)
                pos += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { return try parseEscapedString(start: start) }
            try skipStringByte(byte)
        }
    }

    /// Continues `parseString` once the first backslash is found, decoding into `scratch`.
    private mutating func parseEscapedString(start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = start
        while true {
            pos = plainRunEnd(from: pos)
            guard pos < end else { throw endOfInput() }
            let byte = buf[pos]
            if byte == UInt8(ascii: "\"") {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<pos]))
                pos += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<pos]))
                try parseEscape()
                runStart = pos
                continue
            }
            try skipStringByte(byte)
        }
    }

    /// Steps over one unescaped character (not `"` or `\`) inside a string, validating it.
    @inline(__always)
    private mutating func skipStringByte(_ byte: UInt8) throws(JSONParseError) {
        if byte < 0x20 { throw JSONParseError(.controlCharacterInString(byte), offset: pos) }
        if byte < 0x80 {
            pos += 1
            return
        }
        let length = utf8SequenceLength(at: pos)
        guard length > 0 else { throw JSONParseError(.invalidUTF8, offset: pos) }
        pos += length
    }

    /// Decodes the escape sequence at `pos` (a backslash) into `scratch`.
    private mutating func parseEscape() throws(JSONParseError) {
        let escapeStart = pos
        guard pos + 1 < end else { throw endOfInput() }
        let kind = buf[pos + 1]
        pos += 2
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(kind)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4(escapeStart: escapeStart)
            if scalar & 0xFC00 == 0xD800 {
                // A high surrogate must be followed immediately by an escaped low surrogate.
                let lone = JSONParseError(.loneSurrogate, offset: escapeStart)
                guard pos < end else { throw endOfInput() }
                guard buf[pos] == UInt8(ascii: "\\") else { throw lone }
                guard pos + 1 < end else { throw endOfInput() }
                guard buf[pos + 1] == UInt8(ascii: "u") else { throw lone }
                let lowStart = pos
                pos += 2
                let low = try hex4(escapeStart: lowStart)
                guard low & 0xFC00 == 0xDC00 else { throw lone }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar & 0xFC00 == 0xDC00 {
                throw JSONParseError(.loneSurrogate, offset: escapeStart)
            }
            appendUTF8(scalar)
        default:
            throw JSONParseError(.invalidEscape, offset: escapeStart)
        }
    }

    /// Reads the four hex digits at `pos` and advances past them.
    private mutating func hex4(escapeStart: Int) throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for i in 0..<4 {
            guard pos + i < end else { throw endOfInput() }
            let byte = buf[pos + i]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw JSONParseError(.invalidUnicodeEscape, offset: escapeStart)
            }
            value = value << 4 | UInt32(digit)
        }
        pos += 4
        return value
    }

    /// Appends a (non-surrogate) scalar value as UTF-8.
    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(truncatingIfNeeded: scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(truncatingIfNeeded: 0xC0 | scalar >> 6))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(truncatingIfNeeded: 0xE0 | scalar >> 12))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(truncatingIfNeeded: 0xF0 | scalar >> 18))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(truncatingIfNeeded: 0x80 | scalar & 0x3F))
        }
    }

    /// Returns the first index at or after `start` that may need attention inside a string:
    /// `"`, `\`, a control character or a non-ASCII byte. Checks 8 bytes per step (SWAR).
    @inline(__always)
    private func plainRunEnd(from start: Int) -> Int {
        guard let base = UnsafeRawPointer(buf.baseAddress) else { return start }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        var p = start
        while p + 8 <= end {
            let word = base.loadUnaligned(fromByteOffset: p, as: UInt64.self)
            let quote = word ^ (ones &* 0x22)
            let backslash = word ^ (ones &* 0x5C)
            // (x - 0x01..) & ~x has a high bit set in (at least) the lowest byte of x that is zero,
            // and (x - 0x20..) & ~x in the lowest byte below 0x20; `word` itself flags non-ASCII bytes.
            // False positives only occur above a true hit, and the caller rescans bytewise from `p`.
            let flags = ((quote &- ones) & ~quote) | ((backslash &- ones) & ~backslash)
                | ((word &- ones &* 0x20) & ~word) | word
            if flags & highBits != 0 { break }
            p += 8
        }
        while p < end {
            let byte = buf[p]
            if byte < 0x20 || byte >= 0x80 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { break }
            p += 1
        }
        return p
    }

    // MARK: - UTF-8

    /// Length of the well-formed UTF-8 sequence starting at `p`, or 0 if it is ill-formed
    /// (stray continuation, overlong form, surrogate, above U+10FFFF, or truncated).
    private func utf8SequenceLength(at p: Int) -> Int {
        let lead = buf[p]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: return 0
        }
        guard p + length <= end, secondRange.contains(buf[p + 1]) else { return 0 }
        for i in 2..<length where buf[p + i] & 0xC0 != 0x80 { return 0 }
        return length
    }

    // MARK: - Errors and whitespace

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < end {
            switch buf[pos] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): pos += 1
            default: return
            }
        }
    }

    private func endOfInput() -> JSONParseError {
        JSONParseError(.unexpectedEndOfInput, offset: end)
    }

    /// The error for a byte that cannot start/continue anything here: the character it begins,
    /// or invalid UTF-8 if it begins no character at all.
    private func unexpected(at p: Int) -> JSONParseError {
        let lead = buf[p]
        if lead < 0x80 { return JSONParseError(.unexpectedCharacter(Unicode.Scalar(lead)), offset: p) }
        let length = utf8SequenceLength(at: p)
        guard length > 0 else { return JSONParseError(.invalidUTF8, offset: p) }
        var value = UInt32(lead) & (0x7F >> UInt32(length))
        for i in 1..<length { value = value << 6 | UInt32(buf[p + i] & 0x3F) }
        return JSONParseError(.unexpectedCharacter(Unicode.Scalar(value) ?? "\u{FFFD}"), offset: p)
    }
}
