import EdgeJSON
import Testing

private func parseError(_ bytes: [UInt8], maxDepth: Int = JSONValue.defaultMaxDepth) -> JSONParseError? {
    #expect(throws: JSONParseError.self) { try JSONValue.parse(bytes, maxDepth: maxDepth) }
}

private func parseError(_ text: String, maxDepth: Int = JSONValue.defaultMaxDepth) -> JSONParseError? {
    parseError(Array(text.utf8), maxDepth: maxDepth)
}

// MARK: - Errors: reason, offset, message

@Test func trailingGarbageIsReportedAtItsOffset() {
    let error = parseError("[1]x")
    #expect(error == JSONParseError(.unexpectedCharacter("x"), offset: 3))
    #expect(error?.description == "Unexpected character 'x' at offset 3")
}

@Test func emptyInputIsUnexpectedEnd() {
    let error = parseError("")
    #expect(error?.reason == .unexpectedEndOfInput)
    #expect(error?.description == "Unexpected end of input")
    #expect(parseError("nul")?.reason == .unexpectedEndOfInput)
    #expect(parseError(#"{"a":[1,"#)?.reason == .unexpectedEndOfInput)
}

@Test func invalidUTF8IsReportedAtTheBadByte() {
    let error = parseError([0x22, 0xC3, 0x28, 0x22])
    #expect(error == JSONParseError(.invalidUTF8, offset: 1))
    #expect(error?.description == "Invalid UTF-8 at offset 1")
    #expect(parseError([0x5B, 0x31, 0x2C, 0xFF, 0x5D]) == JSONParseError(.invalidUTF8, offset: 3))
}

@Test func validNonASCIIOutsideStringsIsAnUnexpectedCharacter() {
    let error = parseError("[é]")
    #expect(error == JSONParseError(.unexpectedCharacter("é"), offset: 1))
    #expect(error?.description == "Unexpected character 'é' at offset 1")
}

@Test func stringErrorsNameTheirCause() {
    #expect(parseError("\"ab\u{1}\"") == JSONParseError(.controlCharacterInString(1), offset: 3))
    #expect(parseError(#""ab\q""#) == JSONParseError(.invalidEscape, offset: 3))
    #expect(parseError(#""\u00zz""#) == JSONParseError(.invalidUnicodeEscape, offset: 1))
    #expect(parseError(#"["x\ud800"]"#) == JSONParseError(.loneSurrogate, offset: 3))
    #expect(parseError(#""\udfff\ud800""#) == JSONParseError(.loneSurrogate, offset: 1))
    #expect(parseError("\"\\n\u{1}\"")?.reason == .controlCharacterInString(1))
    #expect(parseError("\"\u{1}\"")?.description == "Unescaped control character U+0001 in string at offset 1")
}

@Test func numberErrors() {
    #expect(parseError("01") == JSONParseError(.unexpectedCharacter("1"), offset: 1))
    #expect(parseError("[1.]") == JSONParseError(.unexpectedCharacter("]"), offset: 3))
    #expect(parseError("-") == JSONParseError(.unexpectedEndOfInput, offset: 1))
    #expect(parseError("[1e400]") == JSONParseError(.numberOutOfRange, offset: 1))
}

// MARK: - Nesting

private func nested(_ depth: Int) -> String {
    String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
}

@Test func nestingUpToTheLimitIsAccepted() throws {
    var value = try JSONValue.parse(nested(128))
    var depth = 0
    while case .array(let elements) = value {
        depth += 1
        value = elements.first ?? .null
    }
    #expect(depth == 128)
}

@Test func nestingBeyondTheLimitIsAnError() {
    let error = parseError(nested(129))
    #expect(error?.reason == .nestingTooDeep(limit: 128))
    #expect(error?.offset == 128)
    #expect(error?.description == "Nesting deeper than 128")
    #expect(parseError(#"{"a":{"a":{"a":1}}}"#, maxDepth: 2)?.reason == .nestingTooDeep(limit: 2))
    #expect((try? JSONValue.parse(#"{"a":{"a":1}}"#, maxDepth: 2)) != nil)
    #expect((try? JSONValue.parse("1", maxDepth: 0)) == 1)
}

@Test func hostileNestingDoesNotOverflowTheStack() {
    let brackets = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
    #expect(parseError(brackets)?.reason == .nestingTooDeep(limit: 128))
    let objects = String(repeating: #"{"a":"#, count: 100_000)
    #expect(parseError(objects)?.reason == .nestingTooDeep(limit: 128))
}

// MARK: - Strings

@Test func surrogatePairsDecodeToTheRightScalar() throws {
    let value = try JSONValue.parse(#""\ud83d\ude00""#)
    #expect(value == "😀")
    #expect(value.stringValue?.unicodeScalars.map(\.value) == [0x1F600])
    #expect(try JSONValue.parse(#""\uD834\uDD1E x""#) == "𝄞 x")
}

@Test func escapesMixWithRawUTF8() throws {
    #expect(try JSONValue.parse(#""é\n\u00e9é😀\t""#) == "é\néé😀\t")
    #expect(try JSONValue.parse(#""\u0041\u0042C""#) == "ABC")
}

/// Exercises the 8-bytes-at-a-time scan: every special byte at every position of a long string.
@Test(arguments: 0..<24)
func specialBytesAreFoundAtEveryPosition(_ position: Int) throws {
    func text(with insert: String) -> String {
        String(repeating: "a", count: position) + insert + String(repeating: "b", count: 23 - position)
    }
    #expect(try JSONValue.parse("\"\(text(with: "\\\""))\"") == .string(text(with: "\"")))
    #expect(try JSONValue.parse("\"\(text(with: "\\\\"))\"") == .string(text(with: "\\")))
    #expect(try JSONValue.parse("\"\(text(with: "é"))\"") == .string(text(with: "é")))
    #expect(try JSONValue.parse("\"\(text(with: "x"))\" ") == .string(text(with: "x")))
    let control = JSONParseError(.controlCharacterInString(0x1F), offset: position + 1)
    #expect(parseError("\"\(text(with: "\u{1F}"))\"") == control)
    // An unescaped quote ends the string early; whatever follows it is unexpected.
    #expect(parseError("\"\(text(with: "\""))\"")?.offset == position + 2)
    let invalid = Array("\"\(text(with: "é"))\"".utf8).map { $0 == 0xA9 ? 0x29 : $0 }
    #expect(parseError(invalid) == JSONParseError(.invalidUTF8, offset: position + 1))
}

@Test func duplicateKeysLastOneWins() throws {
    #expect(try JSONValue.parse(#"{"a":1,"b":2,"a":{"c":3}}"#) == ["a": ["c": 3], "b": 2])
    // The same key at several depths: each object keeps only its own members.
    #expect(try JSONValue.parse(#"{"k":{"k":1},"k":{"x":2,"k":{}},"y":[{"k":3},{"y":4}]}"#)
            == ["k": ["x": 2, "k": [:]], "y": [["k": 3], ["y": 4]]])
    #expect(try JSONValue.parse(#"[{"a":{"b":{"c":{}}},"d":1},{},{"e":[{},{"f":null}]}]"#)
            == [["a": ["b": ["c": [:]]], "d": 1], [:], ["e": [[:], ["f": nil]]]])
}

@Test func anErrorInsideNestedObjectsLeavesNothingForTheNextDocument() throws {
    #expect(throws: JSONParseError.self) { try JSONValue.parse(#"{"a":{"b":{"c":1,"d":}}}"#) }
    #expect(try JSONValue.parse(#"{"z":{"y":2}}"#) == ["z": ["y": 2]])
}

// MARK: - Numbers

@Test func numbersParseToTheNearestDouble() throws {
    #expect(try JSONValue.parse("0.1") == .number(0.1))
    #expect(try JSONValue.parse("123456789012345") == .number(123_456_789_012_345))
    #expect(try JSONValue.parse("-1234567890123456") == .number(-1_234_567_890_123_456))
    #expect(try JSONValue.parse("9007199254740991") == .number(9_007_199_254_740_991))
    // 2^53 + 1 is not representable; it rounds to even, 2^53. JSON numbers are Doubles here.
    #expect(try JSONValue.parse("9007199254740993") == .number(9_007_199_254_740_992))
    #expect(try JSONValue.parse("1.7976931348623157e308") == .number(.greatestFiniteMagnitude))
    #expect(try JSONValue.parse("4.9406564584124654e-324") == .number(.leastNonzeroMagnitude))
    #expect(try JSONValue.parse("2.2250738585072011e-308") == .number(Double(bitPattern: 0x000F_FFFF_FFFF_FFFF)))
    #expect(try JSONValue.parse("[1E2,2e-1,-3.25E+1]") == [100, 0.2, -32.5])
}

// MARK: - Input containers

@Test func parsesEveryKindOfByteCollection() throws {
    let text = #"  {"k":["v",1.5]}  "#
    let expected: JSONValue = ["k": ["v", 1.5]]
    let bytes = Array(text.utf8)
    #expect(try JSONValue.parse(text) == expected)
    #expect(try JSONValue.parse(bytes) == expected)
    #expect(try JSONValue.parse(text.utf8) == expected)
    // A slice that does not start at index 0: offsets are relative to the slice.
    let padded = Array("xx".utf8) + bytes + Array("yy".utf8)
    #expect(try JSONValue.parse(padded[2..<(padded.count - 2)]) == expected)
    // A non-contiguous collection takes the copying path.
    #expect(try JSONValue.parse(bytes.lazy.map { $0 }) == expected)
    #expect(parseError(Array("[1]x".utf8))?.offset == 3)
    let slice = Array("ab[1]x".utf8)[2...]
    #expect(throws: JSONParseError(.unexpectedCharacter("x"), offset: 3)) { try JSONValue.parse(slice) }
}
