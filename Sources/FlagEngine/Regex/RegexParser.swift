/// Parses the supported subset of RE2/JavaScript syntax into a `RegexNode`.
///
/// Supported: literals, `.`, classes with ranges and negation, `\d \w \s \D \W \S \b \B \A \z`,
/// escapes (`\n \t \r \f \v \0 \xHH \x{H…} \uHHHH` and escaped punctuation), `^ $`, groups `( )`,
/// `(?: )`, `(?<name> )`, flags `(?i) (?s) (?m)` and `(?i: )`, alternation, `* + ?` and `{m} {m,}
/// {m,n}` (lazy forms accepted; laziness cannot change whether a pattern matches). Anything that
/// needs backtracking — backreferences and lookaround — is refused as "unsupported".
struct RegexParser {
    /// RE2's limit; it also bounds the compiled program together with `RegexProgram.maxInstructions`.
    static let maxRepeatCount = 1000

    private struct Flags {
        var caseInsensitive = false
        var dotMatchesNewline = false
        var multiline = false
    }

    private enum Escape {
        case scalar(UInt32)
        case set(ScalarSet)
        case assertion(RegexAssertion)
    }

    private let pattern: String
    private let scalars: [Unicode.Scalar]
    private var index = 0
    private var flags = Flags()

    init(pattern: String) {
        self.pattern = pattern
        self.scalars = Array(pattern.unicodeScalars)
    }

    mutating func parse() throws(RegexError) -> RegexNode {
        let node = try parseAlternation()
        if index < scalars.count { throw failure("unmatched ')'") }
        return node
    }

    // MARK: - Structure

    private var peek: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

    private func peek(at offset: Int) -> Unicode.Scalar? {
        index + offset < scalars.count ? scalars[index + offset] : nil
    }

    private func failure(_ message: String) -> RegexError {
        RegexError(pattern: pattern, message: message)
    }

    private mutating func parseAlternation() throws(RegexError) -> RegexNode {
        var branches = [try parseConcatenation()]
        while peek == "|" {
            index += 1
            branches.append(try parseConcatenation())
        }
        return branches.count == 1 ? branches[0] : .alternation(branches)
    }

    private mutating func parseConcatenation() throws(RegexError) -> RegexNode {
        var items: [RegexNode] = []
        while let scalar = peek, scalar != "|", scalar != ")" {
            guard let atom = try parseAtom() else { continue }
            items.append(try parseQuantifiers(of: atom))
        }
        switch items.count {
        case 0: return .empty
        case 1: return items[0]
        default: return .concatenation(items)
        }
    }

    private mutating func parseQuantifiers(of atom: RegexNode) throws(RegexError) -> RegexNode {
        guard let (min, max) = try parseQuantifier() else { return atom }
        if peek == "?" { index += 1 }  // lazy: same language, same answer
        if peek == "*" || peek == "+" || peek == "?" || (peek == "{" && quantifierBraceLength() != nil) {
            throw failure("invalid nested repetition operator at offset \(index)")
        }
        return .repetition(atom, min: min, max: max)
    }

    /// Consumes a quantifier if one is next.
    private mutating func parseQuantifier() throws(RegexError) -> (Int, Int?)? {
        switch peek {
        case "*":
            index += 1
            return (0, nil)
        case "+":
            index += 1
            return (1, nil)
        case "?":
            index += 1
            return (0, 1)
        case "{":
            guard let length = quantifierBraceLength() else { return nil }
            let body = String(String.UnicodeScalarView(scalars[(index + 1)..<(index + length - 1)]))
            index += length
            let parts = body.split(separator: ",", omittingEmptySubsequences: false)
            guard let min = Int(parts[0]), min <= Self.maxRepeatCount else {
                throw failure("repetition count too large (max \(Self.maxRepeatCount))")
            }
            if parts.count == 1 { return (min, min) }
            if parts[1].isEmpty { return (min, nil) }
            guard let max = Int(parts[1]), max <= Self.maxRepeatCount else {
                throw failure("repetition count too large (max \(Self.maxRepeatCount))")
            }
            if max < min { throw failure("invalid repetition range {\(body)}") }
            return (min, max)
        default:
            return nil
        }
    }

    /// The length of `{m}`, `{m,}` or `{m,n}` at the current index, or nil when the brace is literal.
    private func quantifierBraceLength() -> Int? {
        var offset = 1
        var digits = 0
        var commas = 0
        while let scalar = peek(at: offset) {
            if scalar == "}" {
                return digits > 0 ? offset + 1 : nil
            } else if scalar == "," {
                commas += 1
                if commas > 1 || digits == 0 { return nil }
            } else if ("0"..."9").contains(scalar) {
                digits += 1
                if digits > 16 { return nil }
            } else {
                return nil
            }
            offset += 1
        }
        return nil
    }

    /// One atom, or nil for a flag group like `(?i)` that only changes how the rest parses.
    private mutating func parseAtom() throws(RegexError) -> RegexNode? {
        guard let scalar = peek else { return .empty }
        switch scalar {
        case "(":
            return try parseGroup()
        case "[":
            index += 1
            return .set(try parseClass())
        case ".":
            index += 1
            return .anyScalar(includingNewline: flags.dotMatchesNewline)
        case "^":
            index += 1
            return .assertion(flags.multiline ? .lineStart : .textStart)
        case "$":
            index += 1
            return .assertion(flags.multiline ? .lineEnd : .textEnd)
        case "\\":
            index += 1
            switch try parseEscape(inClass: false) {
            case .scalar(let value): return literal(value)
            case .set(let set): return .set(flags.caseInsensitive ? set.addingASCIICaseVariants() : set)
            case .assertion(let assertion): return .assertion(assertion)
            }
        case "*", "+", "?":
            throw failure("missing argument to repetition operator at offset \(index)")
        case "{" where quantifierBraceLength() != nil:
            throw failure("missing argument to repetition operator at offset \(index)")
        default:
            index += 1
            return literal(scalar.value)
        }
    }

    private func literal(_ value: UInt32) -> RegexNode {
        guard flags.caseInsensitive, let scalar = Unicode.Scalar(value) else { return .scalar(value) }
        var set = ScalarSet([value...value])
        for mapping in [scalar.properties.lowercaseMapping, scalar.properties.uppercaseMapping] {
            let mapped = mapping.unicodeScalars
            if mapped.count == 1, let first = mapped.first { set.insert(first.value...first.value) }
        }
        return set.ranges.count == 1 && set.ranges[0].count == 1 ? .scalar(value) : .set(set)
    }

    private mutating func parseGroup() throws(RegexError) -> RegexNode? {
        let start = index
        index += 1  // "("
        let savedFlags = flags
        if peek == "?" {
            index += 1
            switch peek {
            case ":":
                index += 1
            case "=", "!":
                throw failure("unsupported: lookaround at offset \(start)")
            case "<" where peek(at: 1) == "=" || peek(at: 1) == "!":
                throw failure("unsupported: lookaround at offset \(start)")
            case "<":
                index += 1
                try skipGroupName(start: start)
            case "P" where peek(at: 1) == "<":
                index += 2
                try skipGroupName(start: start)
            case "P" where peek(at: 1) == "=":
                throw failure("unsupported: backreference at offset \(start)")
            default:
                if try parseFlags(start: start) { return nil }
            }
        }
        let inner = try parseAlternation()
        guard peek == ")" else { throw failure("missing closing ')' for group at offset \(start)") }
        index += 1
        flags = savedFlags
        return inner
    }

    private mutating func skipGroupName(start: Int) throws(RegexError) {
        var length = 0
        while let scalar = peek, scalar != ">" {
            guard ScalarSet.word.contains(scalar.value) else { throw failure("invalid group name at offset \(start)") }
            index += 1
            length += 1
        }
        guard peek == ">", length > 0 else { throw failure("invalid group name at offset \(start)") }
        index += 1
    }

    /// Parses `ims-ims` after `(?`. Returns true for `(?flags)` (applies to the rest of the enclosing
    /// group), false for `(?flags:` (the caller parses the scoped group).
    private mutating func parseFlags(start: Int) throws(RegexError) -> Bool {
        var enable = true
        var sawFlag = false
        while let scalar = peek {
            index += 1
            switch scalar {
            case "i": flags.caseInsensitive = enable
            case "s": flags.dotMatchesNewline = enable
            case "m": flags.multiline = enable
            case "-" where enable:
                enable = false
                continue
            case ")" where sawFlag:
                return true
            case ":" where sawFlag:
                return false
            default:
                throw failure("unsupported group syntax at offset \(start)")
            }
            sawFlag = true
        }
        throw failure("missing closing ')' for group at offset \(start)")
    }

    // MARK: - Classes and escapes

    private mutating func parseClass() throws(RegexError) -> ScalarSet {
        let start = index - 1
        var negated = false
        if peek == "^" {
            negated = true
            index += 1
        }
        var set = ScalarSet()
        var first = true
        while true {
            guard let scalar = peek else { throw failure("missing closing ']' for class at offset \(start)") }
            if scalar == "]" && !first {
                index += 1
                break
            }
            first = false
            let low: UInt32
            switch try parseClassMember() {
            case .set(let members):
                set.formUnion(members)
                continue
            case .scalar(let value):
                low = value
            case .assertion:
                throw failure("invalid escape in class at offset \(index)")
            }
            if peek == "-", let after = peek(at: 1), after != "]" {
                index += 1
                guard case .scalar(let high) = try parseClassMember() else {
                    throw failure("invalid class range at offset \(index)")
                }
                guard high >= low else { throw failure("invalid class range at offset \(index)") }
                set.insert(low...high)
            } else {
                set.insert(low...low)
            }
        }
        if flags.caseInsensitive { set = set.addingASCIICaseVariants() }
        return negated ? set.inverted() : set
    }

    private mutating func parseClassMember() throws(RegexError) -> Escape {
        guard let scalar = peek else { throw failure("missing closing ']' for class") }
        index += 1
        if scalar == "\\" { return try parseEscape(inClass: true) }
        if scalar == "[" && peek == ":" { throw failure("unsupported: POSIX class at offset \(index - 1)") }
        return .scalar(scalar.value)
    }

    private mutating func parseEscape(inClass: Bool) throws(RegexError) -> Escape {
        let start = index - 1
        guard let scalar = peek else { throw failure("trailing backslash") }
        index += 1
        switch scalar {
        case "d": return .set(.digits)
        case "D": return .set(ScalarSet.digits.inverted())
        case "w": return .set(.word)
        case "W": return .set(ScalarSet.word.inverted())
        case "s": return .set(.space)
        case "S": return .set(ScalarSet.space.inverted())
        case "b": return inClass ? .scalar(8) : .assertion(.wordBoundary)
        case "B" where !inClass: return .assertion(.notWordBoundary)
        case "A" where !inClass: return .assertion(.textStart)
        case "z" where !inClass: return .assertion(.textEnd)
        case "n": return .scalar(10)
        case "t": return .scalar(9)
        case "r": return .scalar(13)
        case "f": return .scalar(12)
        case "v": return .scalar(11)
        case "0" where !(peek.map { ("0"..."9").contains($0) } ?? false): return .scalar(0)
        case "1"..."9", "k":
            throw failure("unsupported: backreference at offset \(start)")
        case "p", "P":
            throw failure("unsupported: Unicode property class at offset \(start)")
        case "x":
            if peek == "{" {
                index += 1
                return .scalar(try parseHex(maxDigits: 6, until: "}", start: start))
            }
            return .scalar(try parseHex(exactDigits: 2, start: start))
        case "u":
            if peek == "{" {
                index += 1
                return .scalar(try parseHex(maxDigits: 6, until: "}", start: start))
            }
            return .scalar(try parseHex(exactDigits: 4, start: start))
        default:
            if scalar.value >= 128 || !(ScalarSet.word.contains(scalar.value)) {
                return .scalar(scalar.value)
            }
            throw failure("invalid escape \\\(scalar) at offset \(start)")
        }
    }

    private mutating func parseHex(exactDigits: Int, start: Int) throws(RegexError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<exactDigits {
            guard let digit = peek.flatMap({ hexValue($0) }) else { throw failure("invalid hex escape at offset \(start)") }
            value = value * 16 + digit
            index += 1
        }
        return try validScalar(value, start: start)
    }

    private mutating func parseHex(maxDigits: Int, until terminator: Unicode.Scalar, start: Int) throws(RegexError) -> UInt32 {
        var value: UInt32 = 0
        var count = 0
        while let scalar = peek, scalar != terminator {
            guard let digit = hexValue(scalar), count < maxDigits else { throw failure("invalid hex escape at offset \(start)") }
            value = value * 16 + digit
            count += 1
            index += 1
        }
        guard peek == terminator, count > 0 else { throw failure("invalid hex escape at offset \(start)") }
        index += 1
        return try validScalar(value, start: start)
    }

    private func validScalar(_ value: UInt32, start: Int) throws(RegexError) -> UInt32 {
        guard Unicode.Scalar(value) != nil else { throw failure("invalid code point in escape at offset \(start)") }
        return value
    }

    private func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": return scalar.value - 48
        case "a"..."f": return scalar.value - 87
        case "A"..."F": return scalar.value - 55
        default: return nil
        }
    }
}
