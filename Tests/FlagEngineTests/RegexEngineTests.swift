import FlagEngine
import Testing

@Suite("Regex engine: linear-time matching of the common subset")
struct RegexEngineTests {
    @Test("pattern matches input as expected", arguments: [
        ("abc", "xxabcxx", true),
        ("abc", "ab", false),
        ("^abc", "abcdef", true),
        ("^abc", "xabc", false),
        ("abc$", "xxabc", true),
        ("abc$", "abcx", false),
        ("^$", "", true),
        ("^$", "a", false),
        ("a.c", "abc", true),
        ("a.c", "a\nc", false),
        ("(?s)a.c", "a\nc", true),
        ("[abc]+", "xxbxx", true),
        ("^[a-z]+$", "hello", true),
        ("^[a-z]+$", "Hello", false),
        ("^[^0-9]+$", "abc", true),
        ("^[^0-9]+$", "ab1", false),
        ("^[-a]+$", "a-a", true),
        ("^[a\\-z]+$", "-", true),
        ("[]a]", "]", true),
        ("^\\d{3}-\\d{4}$", "555-1234", true),
        ("^\\d{3}-\\d{4}$", "5555-1234", false),
        ("^\\w+@\\w+\\.com$", "me@example.com", true),
        ("\\s", "no-space", false),
        ("\\S+\\s\\S+", "two words", true),
        ("^\\D+$", "abc", true),
        ("^\\W$", "!", true),
        ("^(foo|bar)baz$", "barbaz", true),
        ("^(foo|bar)baz$", "quxbaz", false),
        ("^(?:ab)+$", "ababab", true),
        ("^(?:ab)+$", "ababa", false),
        ("^a*b?c+$", "aaacc", true),
        ("^a{2}$", "aa", true),
        ("^a{2}$", "aaa", false),
        ("^a{2,}$", "aaaaa", true),
        ("^a{2,}$", "a", false),
        ("^a{2,3}$", "aaa", true),
        ("^a{2,3}$", "aaaa", false),
        ("^a{0,1}b$", "b", true),
        ("a{,2}", "a{,2}", true),
        ("^\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\\\\\^\\$$", ".*+?()[]{}|\\^$", true),
        ("\\bcat\\b", "a cat here", true),
        ("\\bcat\\b", "concatenate", false),
        ("\\Bcat\\B", "concatenate", true),
        ("(?i)^HELLO$", "hello", true),
        ("(?i:h)ello", "Hello", true),
        ("(?i:h)ello", "HELLO", false),
        ("(?i)[a-c]+", "BCA", true),
        ("^日本+$", "日本本", true),
        ("^.$", "ü", true),
        ("^[à-ÿ]+$", "éè", true),
        ("\\x41\\u0042", "AB", true),
        ("^(a|ab)(c|bcd)(d*)$", "abcd", true),
        ("(?m)^b$", "a\nb\nc", true),
        ("^b$", "a\nb\nc", false),
        ("^(?<user>[a-z]+)-\\d+$", "ann-42", true),
        ("^.*@(example|test)\\.(com|org)$", "dev@test.org", true),
        ("^(a*)*$", "aaaa", true),
        ("^(a*)*$", "aaab", false),
        ("a*?b", "aab", true),
        ("", "anything", true),
        ("a|", "zzz", true),
        ("^\\+1 \\(\\d{3}\\) \\d{3}-\\d{4}$", "+1 (555) 123-4567", true),
    ])
    func matches(pattern: String, input: String, expected: Bool) throws {
        let regex = try LinearRegex(pattern)
        #expect(regex.matches(input) == expected)
    }

    @Test("invalid or unsupported patterns are refused with a message", arguments: [
        ("(abc", "missing closing ')'"),
        ("abc)", "unmatched ')'"),
        ("[abc", "missing closing ']'"),
        ("[z-a]", "invalid class range"),
        ("*a", "missing argument to repetition operator"),
        ("a**", "invalid nested repetition operator"),
        ("a{2}{3}", "invalid nested repetition operator"),
        ("a{3,2}", "invalid repetition range"),
        ("a{1001}", "repetition count too large"),
        ("(a)\\1", "unsupported: backreference"),
        ("(?P=name)", "unsupported: backreference"),
        ("\\k<name>", "unsupported: backreference"),
        ("a(?=b)", "unsupported: lookaround"),
        ("a(?!b)", "unsupported: lookaround"),
        ("(?<=a)b", "unsupported: lookaround"),
        ("(?<!a)b", "unsupported: lookaround"),
        ("\\p{L}", "unsupported: Unicode property class"),
        ("[[:alpha:]]", "unsupported: POSIX class"),
        ("\\q", "invalid escape"),
        ("abc\\", "trailing backslash"),
        ("(?x)a", "unsupported group syntax"),
        ("\\xZZ", "invalid hex escape"),
        ("(a{100}){100}", "pattern too complex"),
    ])
    func refused(pattern: String, message: String) {
        let error = #expect(throws: RegexError.self) { try LinearRegex(pattern) }
        #expect(error?.message.contains(message) == true, "\(String(describing: error))")
    }

    @Test func patternsLongerThan256CharactersAreRefused() throws {
        _ = try LinearRegex(String(repeating: "a", count: 256))
        #expect(throws: RegexError.self) { try LinearRegex(String(repeating: "a", count: 257)) }
    }
}

@Suite("Regex engine: hostile patterns finish")
struct HostileRegexTests {
    @Test func nestedQuantifierAgainstAlmostMatchingInput() throws {
        let regex = try LinearRegex("(a+)+$")
        #expect(regex.matches(String(repeating: "a", count: 30) + "b") == false)
        #expect(regex.matches(String(repeating: "a", count: 30)) == true)
    }

    @Test func ambiguousAlternationUnderStarOnLongInput() throws {
        let regex = try LinearRegex("(a|a)*b")
        #expect(regex.matches(String(repeating: "a", count: 50_000)) == false)
        #expect(regex.matches(String(repeating: "a", count: 50_000) + "b") == true)
    }

    @Test func anchoredNestedStarsOnLongInput() throws {
        let regex = try LinearRegex("^(a*)*(b*)*c$")
        #expect(regex.matches(String(repeating: "ab", count: 20_000) + "x") == false)
    }

    @Test func boundedRepetitionOfAlternation() throws {
        let regex = try LinearRegex("^(a|aa){1,200}$")
        #expect(regex.matches(String(repeating: "a", count: 300)) == true)
        #expect(regex.matches(String(repeating: "a", count: 300) + "!") == false)
    }

    @Test func regexConditionOnHostileAttributeEvaluates() throws {
        let ruleset = try Ruleset(flags: [
            EdgeFlags.flag([
                "key": "hostile", "enabled": true,
                "targeting": ["rules": [[
                    "conditions": [["property": "email", "operator": "regex", "value": "^(\\w+\\s?)*$"]],
                    "value": "matched",
                ]]],
            ]),
        ])
        let context = EvaluationContext(email: .string(String(repeating: "word ", count: 2_000) + "!"))
        let result = ruleset.evaluate(flagKey: "hostile", context: context, now: now)
        #expect(result.reason == .fallthrough)
    }
}
