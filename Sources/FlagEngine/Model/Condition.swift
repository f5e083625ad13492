import EdgeJSON

/// One test of the context: `attribute operator values`.
public struct Condition: Sendable, Hashable {
    /// What a condition yields when its attribute is absent (or JSON `null`). `exists` ignores this and
    /// always answers by its expectation.
    public enum MissingAttribute: Sendable, Hashable {
        /// EdgeFlags **Decided**: `notEquals`, `notContains`, `notIn` match; every other operator fails.
        case negationsMatch
        /// FeatureSignals: every operator fails (only `exists` expecting absence matches).
        case nothingMatches
    }

    public var attribute: Attribute
    public var `operator`: Operator
    /// EdgeFlags: `[value]`, or the list itself for `in`/`not_in`; FeatureSignals: `values` as given.
    public var values: [JSONValue]
    public var missingAttribute: MissingAttribute

    public init(
        attribute: Attribute,
        operator: Operator,
        values: [JSONValue],
        missingAttribute: MissingAttribute = .nothingMatches
    ) {
        self.attribute = attribute
        self.operator = `operator`
        self.values = values
        self.missingAttribute = missingAttribute
    }
}
