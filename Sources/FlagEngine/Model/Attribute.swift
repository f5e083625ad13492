/// What a condition, rollout or rule percentage reads from the context.
///
/// Resolved by the translator, not by the engine, because the dialects spell the same field
/// differently (`user_id` vs `key`); `init(edgeFlagsProperty:)` and `init(featureSignalsAttribute:)`
/// are those two spellings, kept here so that both translators agree on them.
public enum Attribute: Sendable, Hashable {
    /// EdgeFlags `user_id`, FeatureSignals `context.key`.
    case targetingKey
    /// EdgeFlags well-known context fields.
    case email, phone, plan
    /// The context's environment name.
    case environment
    /// A key of `EvaluationContext.attributes`. A key containing dots is first looked up as written,
    /// then as a path through nested objects (`"address.city"`).
    case custom(String)
    /// Segment membership: the condition's values are segment keys (EdgeFlags `property: "segment"`).
    case segment

    /// EdgeFlags `property`: a context field, `segment`, else a (dotted) key of `context.custom`.
    public init(edgeFlagsProperty property: String) {
        switch property {
        case "user_id": self = .targetingKey
        case "email": self = .email
        case "phone": self = .phone
        case "plan": self = .plan
        case "environment": self = .environment
        case "segment": self = .segment
        default: self = .custom(property)
        }
    }

    /// FeatureSignals `attribute`: `key` reads `context.key`, anything else `context.attributes`.
    public init(featureSignalsAttribute attribute: String) {
        self = attribute == "key" ? .targetingKey : .custom(attribute)
    }
}
