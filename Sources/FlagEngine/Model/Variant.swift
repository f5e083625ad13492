import EdgeJSON

/// One arm of an A/B flag. Variants are walked in order over cumulative weights.
public struct Variant: Sendable, Hashable {
    public var key: String
    /// Basis points (0–10000). Weights summing to less than 10000 leave the rest to fallthrough.
    public var weight: Int
    public var value: JSONValue

    public init(key: String, weight: Int, value: JSONValue) {
        self.key = key
        self.weight = weight
        self.value = value
    }
}
