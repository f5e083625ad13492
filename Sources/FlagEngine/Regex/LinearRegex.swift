/// A `regex` condition's pattern, compiled once when the ruleset is built and matched in linear time.
///
/// Hostile patterns are the reason this exists: a backtracking engine (Foundation's
/// `NSRegularExpression`, Swift `Regex`) takes exponential time on `(a+)+$` against `aaa…ab`, and
/// patterns come from API users. This engine simulates the NFA instead (see `RegexProgram`), so a
/// match costs at most input length × program size steps. Patterns are limited to
/// `maxPatternLength` characters and `RegexProgram.maxInstructions` compiled instructions; matching is
/// a search (unanchored unless the pattern says `^`).
public struct LinearRegex: Sendable {
    public static let maxPatternLength = 256

    public let pattern: String
    private let program: RegexProgram

    /// Throws `RegexError` for a pattern that is too long, malformed, or needs unsupported features
    /// (backreferences, lookaround).
    public init(_ pattern: String) throws(RegexError) {
        guard pattern.count <= Self.maxPatternLength else {
            throw RegexError(pattern: pattern, message: "pattern longer than \(Self.maxPatternLength) characters")
        }
        var parser = RegexParser(pattern: pattern)
        let node = try parser.parse()
        self.pattern = pattern
        self.program = try RegexProgram(node, pattern: pattern)
    }

    /// True when the pattern matches anywhere in `input`.
    public func matches(_ input: String) -> Bool {
        program.matches(input)
    }
}
