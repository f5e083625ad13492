/// Why `JSONValue.parse` rejected its input, and where.
///
/// Parse errors end up in API responses and logs, so they carry a stable machine-checkable `reason`,
/// the byte `offset` into the input where the problem was found, and a short human `description`
/// such as `Unexpected character 'x' at offset 12`.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public enum Reason: Sendable, Hashable {
        /// A character that cannot appear here (including trailing data after the value).
        case unexpectedCharacter(Unicode.Scalar)
        /// The input ended in the middle of a value (or was empty).
        case unexpectedEndOfInput
        /// The bytes at `offset` are not well-formed UTF-8 (truncated, overlong, surrogate, > U+10FFFF...).
        case invalidUTF8
        /// A raw control character (U+0000...U+001F) inside a string; it must be escaped.
        case controlCharacterInString(UInt8)
        /// A backslash followed by something other than `"` `\` `/` `b` `f` `n` `r` `t` `u`.
        case invalidEscape
        /// `\u` not followed by four hex digits.
        case invalidUnicodeEscape
        /// A `\uD800`...`\uDFFF` escape that is not part of a high/low surrogate pair.
        case loneSurrogate
        /// A syntactically valid number whose magnitude does not fit in a `Double` (e.g. `1e400`).
        case numberOutOfRange
        /// More nested arrays/objects than the parser's `maxDepth`.
        case nestingTooDeep(limit: Int)
    }

    public let reason: Reason
    /// Byte offset into the input at which the problem was detected.
    public let offset: Int

    public init(_ reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        switch reason {
        case .unexpectedCharacter(let scalar):
            if scalar.value >= 0x20, scalar.value != 0x7F {
                return "Unexpected character '\(Character(scalar))' at offset \(offset)"
            }
            return "Unexpected character \(Self.hex(scalar.value)) at offset \(offset)"
        case .unexpectedEndOfInput:
            return "Unexpected end of input"
        case .invalidUTF8:
            return "Invalid UTF-8 at offset \(offset)"
        case .controlCharacterInString(let byte):
            return "Unescaped control character \(Self.hex(UInt32(byte))) in string at offset \(offset)"
        case .invalidEscape:
            return "Invalid escape sequence at offset \(offset)"
        case .invalidUnicodeEscape:
            return "Invalid \\u escape at offset \(offset)"
        case .loneSurrogate:
            return "Unpaired surrogate escape at offset \(offset)"
        case .numberOutOfRange:
            return "Number out of range at offset \(offset)"
        case .nestingTooDeep(let limit):
            return "Nesting deeper than \(limit)"
        }
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
