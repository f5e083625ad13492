import EdgeJSON
import Testing

/// One JSONTestSuite-style input, named for the test report.
struct JSONInput: Sendable, CustomTestStringConvertible {
    let name: String
    let bytes: [UInt8]
    let expected: JSONValue?

    /// A case whose input is valid UTF-8 text.
    init(_ text: String, _ expected: JSONValue? = nil) {
        self.name = text.debugDescription
        self.bytes = Array(text.utf8)
        self.expected = expected
    }

    /// A case given as raw bytes (for invalid UTF-8).
    init(_ name: String, bytes: [UInt8]) {
        self.name = name
        self.bytes = bytes
        self.expected = nil
    }

    var testDescription: String { name }
}

/// Inputs that must parse, with the value they must produce.
let mustAccept: [JSONInput] = [
    JSONInput("[]", []),
    JSONInput("{}", [:]),
    JSONInput("[[]]", [[]]),
    JSONInput(" \t\r\n[ 1 , 2 ]\n ", [1, 2]),
    JSONInput("\"\"", ""),
    JSONInput("\"a\"", "a"),
    JSONInput("0", 0),
    JSONInput("-0", .number(-0.0)),
    JSONInput("1", 1),
    JSONInput("-1", -1),
    JSONInput("0.5", 0.5),
    JSONInput("-0.0", .number(-0.0)),
    JSONInput("1e5", 100_000),
    JSONInput("1E+5", 100_000),
    JSONInput("1e-5", 0.00001),
    JSONInput("-1.5e-3", -0.0015),
    JSONInput("0e0", 0),
    JSONInput("123456789012345678901234567890", 1.2345678901234568e29),
    JSONInput("1e-400", 0),
    JSONInput("true", true),
    JSONInput("false", false),
    JSONInput("null", nil),
    JSONInput(#""\u0000""#, "\u{0}"),
    JSONInput(#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{8}\u{C}\n\r\t"),
    JSONInput(#""\u00e9\u00C9""#, "éÉ"),
    JSONInput(#""\ud83d\ude00""#, "😀"),
    JSONInput(#""\uDBFF\uDFFF""#, "\u{10FFFF}"),
    JSONInput(#""\uFFFF""#, "\u{FFFF}"),
    JSONInput("\"é😀\u{2028}\u{FFFF}\u{10FFFF}\"", "é😀\u{2028}\u{FFFF}\u{10FFFF}"),
    JSONInput("\"\u{7F}\"", "\u{7F}"),
    JSONInput(#"{"a":[1,{"b":null}],"c":"d"}"#, ["a": [1, ["b": nil]], "c": "d"]),
    JSONInput(#"{"a":1,"a":2}"#, ["a": 2]),
    JSONInput(#"{"":0}"#, ["": 0]),
    JSONInput(#"[1,"2",[3],{"4":4},true,false,null]"#, [1, "2", [3], ["4": 4], true, false, nil]),
]

/// Inputs that must be rejected.
let mustReject: [JSONInput] = [
    JSONInput(""),
    JSONInput("  "),
    JSONInput("[1,]"),
    JSONInput(#"{"a":1,}"#),
    JSONInput("[,1]"),
    JSONInput("[1 2]"),
    JSONInput("[1,,2]"),
    JSONInput("01"),
    JSONInput("-01"),
    JSONInput("00"),
    JSONInput("1."),
    JSONInput(".5"),
    JSONInput("-"),
    JSONInput("1e"),
    JSONInput("1e+"),
    JSONInput("1.e5"),
    JSONInput("+1"),
    JSONInput("0x10"),
    JSONInput("NaN"),
    JSONInput("Infinity"),
    JSONInput("-Infinity"),
    JSONInput("1e400"),
    JSONInput("-1e400"),
    JSONInput("nul"),
    JSONInput("tru"),
    JSONInput("True"),
    JSONInput("nulll"),
    JSONInput("'a'"),
    JSONInput("{a:1}"),
    JSONInput(#"{"a" 1}"#),
    JSONInput(#"{"a":}"#),
    JSONInput(#"{"a":1"#),
    JSONInput(#"{1:1}"#),
    JSONInput(#"["a""#),
    JSONInput(#""abc"#),
    JSONInput("\"a\u{1}b\""),
    JSONInput("\"a\tb\""),
    JSONInput("\"a\nb\""),
    JSONInput(#""\ud800""#),
    JSONInput(#""\udc00""#),
    JSONInput(#""\ud800\u0041""#),
    JSONInput(#""\ud800\ud800""#),
    JSONInput(#""\ud800x""#),
    JSONInput(#""\x""#),
    JSONInput(#""\U0041""#),
    JSONInput(#""\u12""#),
    JSONInput(#""\u12G4""#),
    JSONInput(#""\"#),
    JSONInput("[1]x"),
    JSONInput("[1]]"),
    JSONInput("{}{}"),
    JSONInput("1 2"),
    JSONInput("// c\n1"),
    JSONInput("/* c */1"),
    JSONInput("[1]\u{0}"),
    JSONInput("[\u{B}1]"),
    JSONInput("\u{FEFF}{}"),
    JSONInput("\"a\"é"),
    JSONInput("invalid UTF-8 in string", bytes: [0x22, 0xC3, 0x28, 0x22]),
    JSONInput("overlong '/' (2 bytes)", bytes: [0x22, 0xC0, 0xAF, 0x22]),
    JSONInput("overlong '/' (3 bytes)", bytes: [0x22, 0xE0, 0x80, 0xAF, 0x22]),
    JSONInput("overlong '/' (4 bytes)", bytes: [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22]),
    JSONInput("UTF-8 encoded surrogate", bytes: [0x22, 0xED, 0xA0, 0x80, 0x22]),
    JSONInput("above U+10FFFF", bytes: [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22]),
    JSONInput("lead byte 0xF5", bytes: [0x22, 0xF5, 0x80, 0x80, 0x80, 0x22]),
    JSONInput("lead byte 0xFF", bytes: [0x22, 0xFF, 0x22]),
    JSONInput("stray continuation byte", bytes: [0x22, 0x80, 0x22]),
    JSONInput("truncated sequence", bytes: [0x22, 0xE2, 0x82, 0x22]),
    JSONInput("truncated at end", bytes: [0x22, 0xE2, 0x82]),
    JSONInput("invalid UTF-8 after escape", bytes: Array(#""\n"#.utf8) + [0xC3, 0x28, 0x22]),
    JSONInput("invalid UTF-8 outside string", bytes: [0x5B, 0xFF, 0x5D]),
    JSONInput("10_000 [", bytes: Array(repeating: UInt8(ascii: "["), count: 10_000)),
]

@Test(arguments: mustAccept)
func accepts(_ input: JSONInput) throws {
    let value = try JSONValue.parse(input.bytes)
    if let expected = input.expected {
        #expect(value == expected)
    }
}

@Test(arguments: mustReject)
func rejects(_ input: JSONInput) {
    #expect(throws: JSONParseError.self) { try JSONValue.parse(input.bytes) }
}

@Test func negativeZeroKeepsItsSign() throws {
    let value = try JSONValue.parse("-0")
    #expect(value.doubleValue?.sign == .minus)
}
