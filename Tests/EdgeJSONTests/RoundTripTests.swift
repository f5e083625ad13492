import EdgeJSON
import Testing

let roundTripCorpus: [JSONValue] = [
    nil, true, false, 0, 1, -1, 0.5, -1234.5678, 1e-7, 6.02214076e23, 9_007_199_254_740_991,
    .number(.leastNonzeroMagnitude), .number(.greatestFiniteMagnitude),
    "", "plain", "quote \" backslash \\ slash /", "tab\tnewline\ncr\rnul\u{0}", "é ü 中文 😀 \u{10FFFF}",
    "\u{2028}\u{2029}", .string(String(repeating: "long string ", count: 1000)),
    [], [[]], [nil, true, 1, "s", [], [:]],
    [:], ["": ""], ["k": ["nested": ["deeper": [1, 2, ["x": nil]]]]],
    ["emoji 😀": "key", "\"quoted\"": 1, "ctl\u{1}": 2],
    .array((0..<500).map { .number(Double($0) / 8) }),
    .object(Dictionary(uniqueKeysWithValues: (0..<300).map { ("k\($0)", JSONValue.string("v\($0)")) })),
]

@Test(arguments: roundTripCorpus)
func parseOfSerializeIsIdentity(_ value: JSONValue) throws {
    let bytes = value.serialized()
    #expect(try JSONValue.parse(bytes) == value)
    #expect(try JSONValue.parse(value.jsonString) == value)
    #expect(try JSONValue.parse(bytes).serialized() == bytes)
}

@Test func serializeOfParseNormalizesFormatting() throws {
    let input = " { \"b\" : [ 1.0 , -0 , 2e2 ] ,\n\t\"a\" : \"\\u0041\\/\" } "
    #expect(try JSONValue.parse(input).jsonString == #"{"a":"A/","b":[1,0,200]}"#)
}
