import EdgeJSON

/// Who is asking: the input of every evaluation.
///
/// EdgeFlags: `user_id` → `targetingKey`, `email`/`phone`/`plan`, `segments`, `environment`, `custom` →
/// `attributes`. FeatureSignals: `key` → `targetingKey`, `attributes`, and the API key's environment.
/// Attributes are read directly from this value; evaluation builds no dictionaries of its own.
public struct EvaluationContext: Sendable, Hashable {
    public var targetingKey: String?
    public var email: JSONValue?
    public var phone: JSONValue?
    public var plan: JSONValue?
    public var attributes: [String: JSONValue]
    /// Explicit segment membership (EdgeFlags `context.segments`).
    public var segments: [String]
    /// Selects `Flag.environments[environment]`; `nil` or unknown uses `Flag.base` alone.
    public var environment: String?

    public init(
        targetingKey: String? = nil,
        email: JSONValue? = nil,
        phone: JSONValue? = nil,
        plan: JSONValue? = nil,
        attributes: [String: JSONValue] = [:],
        segments: [String] = [],
        environment: String? = nil
    ) {
        self.targetingKey = targetingKey
        self.email = email
        self.phone = phone
        self.plan = plan
        self.attributes = attributes
        self.segments = segments
        self.environment = environment
    }
}
