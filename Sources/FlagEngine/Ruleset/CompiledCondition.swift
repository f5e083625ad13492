import EdgeJSON

/// A `Condition` ready to run: attribute lookup resolved, operands typed, regexes compiled (a class for
/// the reason given on `CompiledSegment`).
final class CompiledCondition: Sendable {
    /// Where the attribute lives in the context; dotted custom keys keep their split path.
    enum Lookup: Sendable {
        case targetingKey, email, phone, plan, environment
        case custom(String)
        case customPath(String, [String])

        /// nil for `.segment`, which is not a context value.
        init?(_ attribute: Attribute) {
            switch attribute {
            case .targetingKey: self = .targetingKey
            case .email: self = .email
            case .phone: self = .phone
            case .plan: self = .plan
            case .environment: self = .environment
            case .custom(let key):
                if key.utf8.contains(UInt8(ascii: ".")) {
                    let path = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
                    self = .customPath(key, path)
                } else {
                    self = .custom(key)
                }
            case .segment:
                return nil
            }
        }
    }

    enum Subject: Sendable {
        case attribute(Lookup)
        /// Segment membership: any of the referenced segments (`in`, `equals`, `contains`) or none
        /// (`notIn`, `notEquals`, `notContains`).
        case segments([SegmentReference], negated: Bool)
    }

    let subject: Subject
    let `operator`: Operator
    let operands: [Operand]
    let regexes: [LinearRegex]
    let missingAttribute: Condition.MissingAttribute
    /// `exists` expects presence unless values[0] is `"false"`/`false`.
    let expectsPresence: Bool

    /// `regexes` are the compiled patterns of a `regex` condition's values, in order (the compiler
    /// shares one program between conditions with the same pattern).
    init(_ condition: Condition, owner: String, segmentIndex: [String: Int], regexes: [LinearRegex]) throws(RulesetError) {
        self.operator = condition.operator
        self.missingAttribute = condition.missingAttribute
        self.operands = condition.values.map(Operand.init)
        let first = condition.values.first
        self.expectsPresence = !(first == .string("false") || first == .bool(false))
        self.regexes = regexes
        if let lookup = Lookup(condition.attribute) {
            subject = .attribute(lookup)
            return
        }
        // Only `.segment` has no lookup: the values are segment keys.
        let negated: Bool
        switch condition.operator {
        case .in, .equals, .contains: negated = false
        case .notIn, .notEquals, .notContains: negated = true
        default:
            throw .invalidCondition(owner: owner, message: "segment conditions take in or not_in, not \(condition.operator)")
        }
        var references: [SegmentReference] = []
        for value in condition.values {
            guard case .string(let key) = value else {
                throw .invalidCondition(owner: owner, message: "segment condition values must be segment keys")
            }
            references.append(SegmentReference(key: key, index: segmentIndex[key]))
        }
        subject = .segments(references, negated: negated)
    }

    /// The operator applied to a present, non-null attribute value.
    func test(_ attribute: JSONValue) -> Bool {
        switch self.operator {
        case .exists:
            return expectsPresence
        case .equals, .in:
            return isEqualToAny(attribute)
        case .notEquals, .notIn:
            return !isEqualToAny(attribute)
        case .contains:
            return contains(attribute)
        case .notContains:
            return !contains(attribute)
        case .startsWith:
            guard case .string(let text) = attribute else { return false }
            for index in operands.indices {
                if let prefix = operands[index].string, UTF8Text.hasPrefix(text, prefix) { return true }
            }
            return false
        case .endsWith:
            guard case .string(let text) = attribute else { return false }
            for index in operands.indices {
                if let suffix = operands[index].string, UTF8Text.hasSuffix(text, suffix) { return true }
            }
            return false
        case .greaterThan, .greaterThanOrEqual, .lessThan, .lessThanOrEqual:
            guard let right = operands.first?.number, let left = Self.number(attribute) else { return false }
            switch self.operator {
            case .greaterThan: return left > right
            case .greaterThanOrEqual: return left >= right
            case .lessThan: return left < right
            default: return left <= right
            }
        case .regex:
            guard case .string(let text) = attribute else { return false }
            for index in regexes.indices where regexes[index].matches(text) { return true }
            return false
        }
    }

    /// `equals`/`in`: any operand equals the value; an array attribute matches when any element does.
    /// Index loops, not `contains(where:)`: they read operands in place instead of copying each one.
    private func isEqualToAny(_ attribute: JSONValue) -> Bool {
        for index in operands.indices where operands[index].equals(attribute) { return true }
        if case .array(let elements) = attribute {
            for element in elements where anyOperandEquals(element) { return true }
        }
        return false
    }

    private func anyOperandEquals(_ value: JSONValue) -> Bool {
        for index in operands.indices where operands[index].equals(value) { return true }
        return false
    }

    /// Substring test on a string attribute; element test on an array attribute.
    private func contains(_ attribute: JSONValue) -> Bool {
        switch attribute {
        case .string(let text):
            for index in operands.indices {
                if let needle = operands[index].string, UTF8Text.contains(text, needle) { return true }
            }
            return false
        case .array(let elements):
            for element in elements where anyOperandEquals(element) { return true }
            return false
        default:
            return false
        }
    }

    private static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .number(let number): return number
        case .string(let text): return UTF8Text.number(text)
        default: return nil
        }
    }
}
