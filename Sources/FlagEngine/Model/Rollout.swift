import EdgeJSON

/// A percentage rollout: the flag-level step after the rules.
///
/// Inside (bucket < `basisPoints`) serves `servedValue` with `.rollout`; outside, or with the bucketing
/// attribute missing, serves the flag's `defaultValue` with `.fallthrough` and stops, so variants are
/// not reached (FeatureSignals step 6; EdgeFlags step 6 then 7 reach the same result).
public struct Rollout: Sendable, Hashable {
    /// 0–10000 (EdgeFlags sends a percentage: multiply by 100).
    public var basisPoints: Int
    /// What is hashed with the flag key. EdgeFlags default `user_id`, FeatureSignals `context.key`:
    /// both are `.targetingKey`.
    public var attribute: Attribute
    /// EdgeFlags serves `true`; `nil` (FeatureSignals) serves `state default ?? flag default`.
    public var servedValue: JSONValue?

    public init(basisPoints: Int, attribute: Attribute = .targetingKey, servedValue: JSONValue? = nil) {
        self.basisPoints = basisPoints
        self.attribute = attribute
        self.servedValue = servedValue
    }
}
