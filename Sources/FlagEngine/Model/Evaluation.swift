import EdgeJSON

/// The result of evaluating one flag.
public struct Evaluation: Sendable, Hashable {
    public var flagKey: String
    public var value: JSONValue
    public var reason: Reason
    /// Set with `.variant` only.
    public var variantKey: String?
    /// Index of `value` in `Ruleset.servedValues`: every value the ruleset can serve is interned there
    /// once, so a dialect can encode each of them once per ruleset and copy bytes on the hot path.
    public var valueIndex: Int
    /// The flag's type when its record names one (nil for an unknown flag or an undeclared type).
    public var declaredType: Flag.ValueType?

    public init(flagKey: String, value: JSONValue, reason: Reason, variantKey: String? = nil, valueIndex: Int,
                declaredType: Flag.ValueType? = nil) {
        self.flagKey = flagKey
        self.value = value
        self.reason = reason
        self.variantKey = variantKey
        self.valueIndex = valueIndex
        self.declaredType = declaredType
    }
}
