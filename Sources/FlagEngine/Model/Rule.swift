import EdgeJSON

/// A targeting rule: when its segments and conditions match, it serves `value`.
///
/// A rule matches when `segmentKeys` is empty or the context is in at least one of those segments
/// that exist, and its conditions match under `matchType`. Then: `percentage` nil or ≥ 10000 serves
/// with `.targeted`; `0 < percentage < 10000` serves with `.ruleRollout` only when the bucket is below
/// it, otherwise (and for 0) evaluation continues with the next rule.
public struct Rule: Sendable, Hashable {
    public var priority: Int
    public var conditions: [Condition]
    public var matchType: MatchType
    public var segmentKeys: [String]
    /// Basis points; `nil` serves everyone who matches (FeatureSignals **Decided**).
    public var percentage: Int?
    /// The attribute hashed for `percentage`.
    public var bucketBy: Attribute
    public var value: JSONValue

    public init(
        priority: Int = 0,
        conditions: [Condition] = [],
        matchType: MatchType = .all,
        segmentKeys: [String] = [],
        percentage: Int? = nil,
        bucketBy: Attribute = .targetingKey,
        value: JSONValue
    ) {
        self.priority = priority
        self.conditions = conditions
        self.matchType = matchType
        self.segmentKeys = segmentKeys
        self.percentage = percentage
        self.bucketBy = bucketBy
        self.value = value
    }
}
