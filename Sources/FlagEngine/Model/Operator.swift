/// A condition operator; both dialects' spellings map onto it (`init(spelling:)`).
///
/// Typed semantics, shared by both dialects:
/// - equality (`equals`, `in` and their negations) compares numbers as numbers and strings as strings;
///   a number and a string holding a JSON number compare numerically, a bool and `"true"`/`"false"` as
///   bools (FeatureSignals values arrive as strings); other type mixes are unequal. Strings compare by
///   UTF-8 bytes, case-sensitively.
/// - `contains`, `startsWith`, `endsWith` need string operands. An array attribute matches `contains`,
///   `equals` and `in` when one of its elements equals a value.
/// - `gt gte lt lte` convert both sides to numbers (a numeric string converts); false if either is not
///   a number. They use the first value.
/// - `regex` needs a string attribute; patterns are compiled with the ruleset (`LinearRegex`).
/// - `exists` is true when presence equals the expectation: values[0] `"false"`/`false` expects absence.
/// With several values, a positive operator matches when any value matches, and its negation when none
/// does. A negation on a present attribute is always the inverse of its positive operator.
public enum Operator: String, Sendable, Hashable, CaseIterable {
    case equals, notEquals, contains, notContains, startsWith, endsWith
    case `in`, notIn
    case greaterThan, greaterThanOrEqual, lessThan, lessThanOrEqual
    case regex, exists

    /// Accepts EdgeFlags (`not_equals`, `starts_with`, …) and FeatureSignals (`neq`, `startsWith`, …)
    /// spellings; `nil` for an unknown operator (the dialect answers 400).
    public init?(spelling: String) {
        switch spelling {
        case "equals", "eq": self = .equals
        case "not_equals", "neq": self = .notEquals
        case "contains": self = .contains
        case "not_contains", "notContains": self = .notContains
        case "starts_with", "startsWith": self = .startsWith
        case "ends_with", "endsWith": self = .endsWith
        case "in": self = .in
        case "not_in", "notIn": self = .notIn
        case "gt": self = .greaterThan
        case "gte": self = .greaterThanOrEqual
        case "lt": self = .lessThan
        case "lte": self = .lessThanOrEqual
        case "regex": self = .regex
        case "exists": self = .exists
        default: return nil
        }
    }

    /// The negated operators, which EdgeFlags lets match a missing attribute.
    public var isNegation: Bool {
        switch self {
        case .notEquals, .notContains, .notIn: return true
        default: return false
        }
    }
}
