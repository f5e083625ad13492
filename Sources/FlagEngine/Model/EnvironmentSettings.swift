import EdgeJSON

/// What a flag does in one environment (EdgeFlags `environments[env]`, FeatureSignals flag state).
///
/// Every field is optional so that an environment entry can leave a field to the flag's `base`
/// settings; the engine resolves `entry.field ?? base.field` once, when the ruleset is compiled.
public struct EnvironmentSettings: Sendable, Hashable {
    /// The master switch. Unset in both the entry and `base` means off.
    public var enabled: Bool?
    /// A fixed value that short-circuits targeting. Set on an environment entry it is served with
    /// `.environmentOverride`; set on `base` with `.override`. FeatureSignals never sets it.
    public var value: JSONValue?
    /// Rules and rollout, replaced as a unit (EdgeFlags: `ov.targeting ?? flag.targeting`).
    public var targeting: Targeting?
    /// FeatureSignals state `default_value`: wins over the flag default at fallthrough and inside a
    /// rollout that has no `servedValue`.
    public var defaultValue: JSONValue?
    /// FeatureSignals A/B variants (only consulted for flags of type `.ab`).
    public var variants: [Variant]?
    /// Unix seconds. Once passed, the flag counts as enabled unless a later passed
    /// `scheduledDisableAt` says otherwise. The `scheduled()` trigger that applies a schedule should
    /// clear it, so that a later manual toggle is not overridden.
    public var scheduledEnableAt: Double?
    /// Unix seconds. Once passed (and later than any passed `scheduledEnableAt`), the flag is off.
    public var scheduledDisableAt: Double?

    public init(
        enabled: Bool? = nil,
        value: JSONValue? = nil,
        targeting: Targeting? = nil,
        defaultValue: JSONValue? = nil,
        variants: [Variant]? = nil,
        scheduledEnableAt: Double? = nil,
        scheduledDisableAt: Double? = nil
    ) {
        self.enabled = enabled
        self.value = value
        self.targeting = targeting
        self.defaultValue = defaultValue
        self.variants = variants
        self.scheduledEnableAt = scheduledEnableAt
        self.scheduledDisableAt = scheduledDisableAt
    }
}
