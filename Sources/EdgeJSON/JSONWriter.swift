/// Writes JSON into a byte buffer it owns, either from a `JSONValue` or streamed piece by piece.
///
/// Hot paths (API responses, KV values) serialize straight into `bytes` without building a
/// `JSONValue` first; commas are inserted automatically, tracked per nesting level in a 64-bit bit
/// stack (with an array only for levels deeper than 64), so streaming allocates nothing per level.
/// A writer can be reused: `reset()` keeps the buffer's capacity.
///
/// Output is deterministic: object keys of a `JSONValue` are sorted by their UTF-8 bytes, integral
/// numbers below 2^53 print without a fraction, `-0` prints as `0`, and non-finite numbers as `null`.
///
///     var writer = JSONWriter()
///     writer.beginObject()
///     writer.key("ids"); writer.beginArray(); writer.int(1); writer.int(2); writer.endArray()
///     writer.key("ok"); writer.bool(true)
///     writer.endObject()
///     // writer.bytes == Array(#"{"ids":[1,2],"ok":true}"#.utf8)
///
/// The streaming calls do not check their own grammar (e.g. a value in an object without a `key`);
/// that is the caller's responsibility.
public struct JSONWriter: Sendable {
    /// The JSON written so far.
    public var bytes: [UInt8]

    /// Number of open containers.
    private var depth = 0
    /// Bit `d - 1` is set when the container at depth `d` (1...64) already holds an element.
    private var levelHasElement: UInt64 = 0
    /// The same flags for depths above 64; rarely allocated.
    private var deepLevelHasElement: [Bool] = []
    /// A key was just written, so the next value needs no comma.
    private var afterKey = false

    public init() {
        bytes = []
    }

    public init(capacity: Int) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        bytes.reserveCapacity(minimumCapacity)
    }

    /// Empties the buffer (keeping its capacity) and forgets any open containers.
    public mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        depth = 0
        levelHasElement = 0
        afterKey = false
    }

    // MARK: - Streaming

    public mutating func beginObject() {
        prepareForValue()
        bytes.append(UInt8(ascii: "{"))
        pushLevel()
    }

    public mutating func endObject() {
        popLevel()
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        prepareForValue()
        bytes.append(UInt8(ascii: "["))
        pushLevel()
    }

    public mutating func endArray() {
        popLevel()
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes an object member name and the `:`; the next call writes its value.
    public mutating func key(_ name: String) {
        prepareForValue()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        afterKey = true
    }

    public mutating func value(_ value: JSONValue) {
        prepareForValue()
        appendValue(value)
    }

    public mutating func string(_ string: String) {
        prepareForValue()
        appendString(string)
    }

    /// Writes a number; `null` if it is not finite.
    public mutating func number(_ number: Double) {
        prepareForValue()
        appendNumber(number)
    }

    /// Writes an integer exactly (all of `Int`'s range, unlike `number`).
    public mutating func int(_ int: Int) {
        prepareForValue()
        appendInt(int)
    }

    public mutating func bool(_ bool: Bool) {
        prepareForValue()
        appendASCII(bool ? "true" : "false")
    }

    public mutating func null() {
        prepareForValue()
        appendASCII("null")
    }

    /// Splices in one pre-serialized JSON value (not checked) as the next value.
    public mutating func raw(_ json: some Collection<UInt8>) {
        prepareForValue()
        bytes.append(contentsOf: json)
    }

    // MARK: - Comma tracking

    @inline(__always)
    private mutating func prepareForValue() {
        if afterKey {
            afterKey = false
            return
        }
        guard depth > 0 else { return }
        if depth <= 64 {
            let bit: UInt64 = 1 << UInt64(depth - 1)
            if levelHasElement & bit != 0 {
                bytes.append(UInt8(ascii: ","))
            } else {
                levelHasElement |= bit
            }
        } else {
            let index = depth - 65
            if deepLevelHasElement[index] {
                bytes.append(UInt8(ascii: ","))
            } else {
                deepLevelHasElement[index] = true
            }
        }
    }

    @inline(__always)
    private mutating func pushLevel() {
        depth += 1
        if depth <= 64 {
            levelHasElement &= ~(1 << UInt64(depth - 1))
        } else {
            let index = depth - 65
            if index < deepLevelHasElement.count {
                deepLevelHasElement[index] = false
            } else {
                deepLevelHasElement.append(false)
            }
        }
    }

    @inline(__always)
    private mutating func popLevel() {
        assert(depth > 0, "JSONWriter: end of a container that was never begun")
        depth = max(0, depth - 1)
        afterKey = false
    }

    // MARK: - Encoding

    private mutating func appendValue(_ value: JSONValue) {
        switch value {
        case .null:
            appendASCII("null")
        case .bool(let bool):
            appendASCII(bool ? "true" : "false")
        case .number(let number):
            appendNumber(number)
        case .string(let string):
            appendString(string)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                appendValue(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (name, member) in members.sorted(by: { Self.utf8Precedes($0.key, $1.key) }) {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                appendString(name)
                bytes.append(UInt8(ascii: ":"))
                appendValue(member)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Orders strings by their UTF-8 bytes (= by code point), not by `String`'s Unicode-aware `<`.
    static func utf8Precedes(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private mutating func appendNumber(_ number: Double) {
        guard number.isFinite else {
            appendASCII("null")
            return
        }
        // Integral and exactly representable: print as an integer (this also turns -0 into 0).
        // (Converting through Int instead of calling `rounded()` keeps libm out of the link.)
        if number.magnitude < 9_007_199_254_740_992 {
            let integer = Int(number)
            if Double(integer) == number {
                appendInt(integer)
                return
            }
        }
        // Swift's description is the shortest round-trip form and, for finite values, valid JSON
        // ("0.1", "1e-05", "1e+300", "9007199254740992.0").
        bytes.append(contentsOf: number.description.utf8)
    }

    private mutating func appendInt(_ int: Int) {
        if int < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = int.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
    }

    private mutating func appendString(_ string: String) {
        bytes.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { utf8 in
            var runStart = 0
            for i in 0..<utf8.count {
                let byte = utf8[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<i]))
                runStart = i + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                default:
                    let hexDigits: StaticString = "0123456789abcdef"
                    bytes.append(UInt8(ascii: "u"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(UInt8(ascii: "0"))
                    bytes.append(hexDigits.utf8Start[Int(byte >> 4)])
                    bytes.append(hexDigits.utf8Start[Int(byte & 0x0F)])
                }
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private mutating func appendASCII(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }
}
