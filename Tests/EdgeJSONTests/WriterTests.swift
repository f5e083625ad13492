import EdgeJSON
import Testing

private func text(_ writer: JSONWriter) -> String {
    String(decoding: writer.bytes, as: UTF8.self)
}

// MARK: - Numbers

@Test(arguments: [
    (1.0, "1"), (-3.0, "-3"), (0.0, "0"), (-0.0, "0"), (1.5, "1.5"), (0.1, "0.1"), (-2.5e-3, "-0.0025"),
    (1e300, "1e+300"), (1e-5, "1e-05"), (1e15, "1000000000000000"), (123_456_789.0, "123456789"),
    (9_007_199_254_740_991.0, "9007199254740991"), (-9_007_199_254_740_991.0, "-9007199254740991"),
    (1e16, "1e+16"), (.greatestFiniteMagnitude, "1.7976931348623157e+308"), (.leastNonzeroMagnitude, "5e-324"),
    (.nan, "null"), (.infinity, "null"), (-.infinity, "null"),
])
func numberFormatting(_ number: Double, _ expected: String) {
    #expect(JSONValue.number(number).jsonString == expected)
}

@Test func integersBeyondTwoToThe53StillRoundTrip() throws {
    // 2^53 is printed by Swift as "9007199254740992.0": valid JSON, and it parses back exactly.
    let big = 9_007_199_254_740_992.0
    let json = JSONValue.number(big).jsonString
    #expect(try JSONValue.parse(json) == .number(big))
}

/// Every finite Double must survive write-then-parse bit for bit (except -0, written as 0).
@Test func randomDoublesRoundTripExactly() throws {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var checked = 0
    while checked < 20_000 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        let number = Double(bitPattern: state ^ (state >> 29))
        guard number.isFinite else { continue }
        let parsed = try JSONValue.parse(JSONValue.number(number).serialized())
        #expect(parsed.doubleValue?.bitPattern == (number == 0 ? 0 : number.bitPattern))
        checked += 1
    }
}

@Test func intWritesTheWholeRange() {
    var writer = JSONWriter()
    writer.beginArray()
    for n in [0, 7, -7, 10, 1_000_000, Int.max, Int.min] { writer.int(n) }
    writer.endArray()
    #expect(text(writer) == "[0,7,-7,10,1000000,9223372036854775807,-9223372036854775808]")
}

// MARK: - Strings

@Test func stringsEscapeOnlyWhatJSONRequires() {
    let value = JSONValue.string("a\"b\\c/\n\r\t\u{8}\u{C}\u{0}\u{1F}\u{7F}<>&\u{2028}é😀")
    #expect(value.jsonString == #""a\"b\\c/\n\r\t\b\f\u0000\u001f"# + "\u{7F}<>&\u{2028}é😀\"")
}

@Test func everyControlCharacterRoundTrips() throws {
    let controls = String(String.UnicodeScalarView((0..<0x20).compactMap(Unicode.Scalar.init)))
    let json = JSONValue.string(controls).serialized()
    #expect(!json.contains { $0 < 0x20 })
    #expect(try JSONValue.parse(json) == .string(controls))
}

// MARK: - Objects

@Test func objectKeysAreSortedByUTF8Bytes() {
    let value: JSONValue = ["b": 1, "a": 2, "B": 3, "é": 4, "z": 5, "aa": 6, "": 7, "a b": 8]
    #expect(value.jsonString == #"{"":7,"B":3,"a":2,"a b":8,"aa":6,"b":1,"z":5,"é":4}"#)
}

@Test func serializationIsIndependentOfInsertionOrder() {
    let keys = (0..<200).map { "key\($0 * 7919 % 200)" }
    var forward: [String: JSONValue] = [:]
    var backward: [String: JSONValue] = [:]
    for (i, key) in keys.enumerated() { forward[key] = .number(Double(i)) }
    for (i, key) in keys.enumerated().reversed() { backward[key] = .number(Double(i)) }
    #expect(JSONValue.object(forward).serialized() == JSONValue.object(backward).serialized())
}

// MARK: - Streaming

@Test func streamingPlacesCommasAtEveryLevel() {
    var writer = JSONWriter()
    writer.beginObject()
    writer.key("a")
    writer.beginArray()
    writer.int(1)
    writer.beginObject()
    writer.endObject()
    writer.beginArray()
    writer.endArray()
    writer.number(2.5)
    writer.endArray()
    writer.key("b")
    writer.null()
    writer.key("c")
    writer.beginObject()
    writer.key("d")
    writer.raw(Array("[1,2]".utf8))
    writer.key("e")
    writer.string("x")
    writer.key("f")
    writer.value(["z": 1, "y": [true]])
    writer.endObject()
    writer.key("g")
    writer.bool(false)
    writer.endObject()
    #expect(text(writer) == #"{"a":[1,{},[],2.5],"b":null,"c":{"d":[1,2],"e":"x","f":{"y":[true],"z":1}},"g":false}"#)
}

@Test(arguments: [1, 63, 64, 65, 200])
func streamingDeepNestingMatchesValueSerialization(_ depth: Int) {
    var writer = JSONWriter()
    for _ in 0..<depth {
        writer.beginArray()
        writer.int(1)
    }
    for _ in 0..<depth {
        writer.int(2)
        writer.endArray()
    }
    var expected: JSONValue = [1, 2]
    for _ in 1..<depth { expected = [1, expected, 2] }
    #expect(writer.bytes == expected.serialized())
}

@Test func writerIsReusableAfterReset() {
    var writer = JSONWriter(capacity: 64)
    writer.beginArray()
    writer.int(1)
    writer.beginArray()
    writer.int(2)
    writer.reset()
    #expect(writer.bytes.isEmpty)
    writer.beginArray()
    writer.int(3)
    writer.endArray()
    #expect(text(writer) == "[3]")
}

@Test func levelsReopenedAfterClosingStartWithoutAComma() {
    var writer = JSONWriter()
    writer.beginArray()
    writer.beginArray()
    writer.int(1)
    writer.endArray()
    writer.beginArray()
    writer.int(2)
    writer.endArray()
    writer.endArray()
    #expect(text(writer) == "[[1],[2]]")
}
