import EdgeJSON
import Testing
@testable import EdgeWorker

@Suite("Headers: case-insensitive fields")
struct HeadersTests {
    @Test func getIsCaseInsensitiveAndReturnsTheFirstValue() {
        let h: Headers = ["Content-Type": "text/plain", "X-Multi": "one", "x-multi": "two"]
        #expect(h["content-type"] == "text/plain")
        #expect(h["CONTENT-TYPE"] == "text/plain")
        #expect(h["X-MULTI"] == "one")
        #expect(h["missing"] == nil)
        #expect(h.contains("cOnTeNt-TyPe"))
        #expect(!h.contains("Content-Length"))
        #expect(h.count == 3)
    }

    @Test func valuesReturnsEveryValueInOrder() {
        var h = Headers()
        h.add("Set-Cookie", "a=1")
        h.add("X-Other", "x")
        h.add("set-cookie", "b=2")
        #expect(h.values("SET-COOKIE") == ["a=1", "b=2"])
        #expect(h.values("nope").isEmpty)
    }

    @Test func setReplacesAllValuesWhateverTheirCase() {
        var h: Headers = ["x-a": "1", "X-A": "2", "Keep": "k"]
        h["X-a"] = "3"
        #expect(h.values("x-a") == ["3"])
        #expect(h["keep"] == "k")
        #expect(h.count == 2)
    }

    @Test func settingNilAndRemoveDeleteEveryValue() {
        var h: Headers = ["x-a": "1", "X-A": "2", "Keep": "k"]
        h["X-A"] = nil
        #expect(h["x-a"] == nil)
        #expect(h.count == 1)
        h.add("Drop", "1")
        h.add("DROP", "2")
        h.remove("drop")
        #expect(!h.contains("Drop"))
        #expect(h.count == 1)
        #expect(h["KEEP"] == "k")
    }

    @Test func nonASCIILettersAreNotFoldedAndDifferentLengthsDoNotMatch() {
        let h: Headers = ["X-Ä": "1", "X-A": "2"]
        #expect(h["x-ä"] == nil)
        #expect(h["X-Ä"] == "1")
        #expect(h["X-AB"] == nil)
        #expect(h["X-"] == nil)
        // Names longer than a small string's inline storage compare the same way.
        let long: Headers = ["Access-Control-Expose-Headers": "ETag"]
        #expect(long["access-control-expose-headers"] == "ETag")
        #expect(long["access-control-expose-headerz"] == nil)
    }

    @Test func iterationKeepsArrivalOrderAndOriginalCase() {
        let h: Headers = ["B": "2", "a": "1"]
        #expect(h.map(\.name) == ["B", "a"])
    }
}

@Suite("Request: path, query and query parameters")
struct RequestTests {
    @Test func pathAndQuerySplitAtTheFirstQuestionMark() {
        let r = Request(method: "GET", target: "/api/v1/flags/x%20y?context=a?b&x=1")
        #expect(r.path == "/api/v1/flags/x%20y")
        #expect(r.query == "context=a?b&x=1")
        let bare = Request(method: "GET", target: "/api/v1/flags")
        #expect(bare.path == "/api/v1/flags")
        #expect(bare.query == "")
        let empty = Request(method: "GET", target: "/a?")
        #expect(empty.path == "/a")
        #expect(empty.query == "")
        // The split is by byte offset: multi-byte characters before the mark keep it in place.
        let unicode = Request(method: "GET", target: "/é/ü" + String(repeating: "ß", count: 40) + "?q=ä")
        #expect(unicode.path == "/é/ü" + String(repeating: "ß", count: 40))
        #expect(unicode.query == "q=ä")
    }

    @Test func queryParametersArePercentAndPlusDecoded() {
        let r = Request(method: "GET", target: "/x?name=hello+world&json=%7B%22a%22%3A1%7D&u=%C3%A9t%C3%A9&p=%2B1")
        #expect(r.queryParameter("name") == "hello world")
        #expect(r.queryParameter("json") == "{\"a\":1}")
        #expect(r.queryParameter("u") == "été")
        #expect(r.queryParameter("p") == "+1")
    }

    @Test func encodedParameterNamesAreDecodedBeforeComparison() {
        let r = Request(method: "GET", target: "/x?my%20key=v&a+b=w")
        #expect(r.queryParameter("my key") == "v")
        #expect(r.queryParameter("a b") == "w")
    }

    @Test func missingParameterIsNilAndTheFirstOccurrenceWins() {
        let r = Request(method: "GET", target: "/x?a=1&a=2&&b=3")
        #expect(r.queryParameter("a") == "1")
        #expect(r.queryParameter("b") == "3")
        #expect(r.queryParameter("c") == nil)
        #expect(Request(method: "GET", target: "/x").queryParameter("a") == nil)
    }

    @Test func parameterWithoutValueOrWithEmptyValueIsEmpty() {
        let r = Request(method: "GET", target: "/x?flag&empty=&v=1")
        #expect(r.queryParameter("flag") == "")
        #expect(r.queryParameter("empty") == "")
        #expect(r.queryParameter("v") == "1")
    }

    @Test func malformedEscapeInAValueIsNil() {
        let r = Request(method: "GET", target: "/x?bad=%zz&trunc=ab%4&bytes=%FF&ok=1")
        #expect(r.queryParameter("bad") == nil)
        #expect(r.queryParameter("trunc") == nil)
        #expect(r.queryParameter("bytes") == nil)
        #expect(r.queryParameter("ok") == "1")
    }

    @Test func bodyAsTextAndJSON() throws {
        let r = Request(method: "POST", target: "/", body: Array("{\"on\":true}".utf8))
        #expect(r.text == "{\"on\":true}")
        #expect(try r.json() == .object(["on": .bool(true)]))
        let bad = Request(method: "POST", target: "/", body: Array("{".utf8))
        #expect(throws: (any Error).self) { try bad.json() }
    }
}

@Suite("PercentDecoding")
struct PercentDecodingTests {
    @Test func decodesEscapesOfEitherCase() {
        #expect(PercentDecoding.decode("a%2fb%2Fc") == "a/b/c")
        #expect(PercentDecoding.decode("%e2%82%AC") == "€")
        #expect(PercentDecoding.decode("") == "")
        #expect(PercentDecoding.decode("plain") == "plain")
    }

    @Test func plusIsSpaceOnlyWhenAsked() {
        #expect(PercentDecoding.decode("a+b") == "a b")
        #expect(PercentDecoding.decode("a+b", plusAsSpace: false) == "a+b")
        #expect(PercentDecoding.decode("a%2Bb") == "a+b")
    }

    @Test func malformedEscapesAreNil() {
        #expect(PercentDecoding.decode("%") == nil)
        #expect(PercentDecoding.decode("%4") == nil)
        #expect(PercentDecoding.decode("%G0") == nil)
        #expect(PercentDecoding.decode("abc%x1") == nil)
    }

    @Test func invalidUTF8IsNil() {
        #expect(PercentDecoding.decode("%FF") == nil)
        #expect(PercentDecoding.decode("%C3%28") == nil)
        #expect(PercentDecoding.decode("%C3") == nil)
        #expect(PercentDecoding.decode("%ED%A0%80") == nil)  // a UTF-16 surrogate
    }
}

@Suite("Env.setting")
struct EnvSettingTests {
    @Test func secretsWinOverVarsAndNonStringVarsAreTheirJSON() {
        let env = Env(vars: ["A": "var", "N": 5, "B": true, "O": ["k": "v"]], secrets: ["A": "secret"])
        #expect(env.setting("A") == "secret")
        #expect(env.setting("N") == "5")
        #expect(env.setting("B") == "true")
        #expect(env.setting("O") == "{\"k\":\"v\"}")
        #expect(env.setting("none") == nil)
    }
}
