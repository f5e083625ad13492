import EdgeJSON

/// A feature flag as the engine sees it: one shape for both API dialects.
///
/// A dialect's translator fills it from its stored record. The differences between the dialects are
/// carried as data, not as code paths: what is served when the flag is off (`offValue`), what a rollout
/// serves (`Rollout.servedValue`), and which fields are set at all (EdgeFlags sets `base`, FeatureSignals
/// sets only `environments`). The evaluation order is in `Ruleset.evaluate(flagKey:context:now:)`.
public struct Flag: Sendable, Hashable {
    /// The kind of value the flag serves. Only `.ab` changes evaluation: it enables variants.
    public enum ValueType: String, Sendable, Hashable {
        case boolean, string, number, json, ab
    }

    public var key: String
    public var type: ValueType
    /// The flag's default: served when nothing else applies, and by FeatureSignals whenever a step
    /// fails (mutual exclusion, prerequisites, outside the rollout). EdgeFlags: `defaultValue ?? false`.
    public var defaultValue: JSONValue
    /// Served with `.disabled` or `.scheduledOff`. EdgeFlags: `false`; FeatureSignals: the flag default.
    public var offValue: JSONValue
    /// Settings used when the context's environment has no entry, and field by field under an entry
    /// that leaves a field unset (EdgeFlags: `ov.enabled ?? flag.enabled`). FeatureSignals leaves it
    /// empty, so an environment without a state is disabled.
    public var base: EnvironmentSettings
    /// Per-environment settings keyed by whatever the dialect puts in `EvaluationContext.environment`.
    public var environments: [String: EnvironmentSettings]
    /// Unix seconds; before `activeFrom` the flag is scheduled off.
    public var activeFrom: Double?
    /// Unix seconds; from `activeUntil` on the flag is scheduled off.
    public var activeUntil: Double?
    /// Unix seconds; from `expiresAt` on the flag is scheduled off (FeatureSignals `expires_at`).
    public var expiresAt: Double?
    /// Keys of flags that must be on for this one to be evaluated past step 4.
    public var prerequisites: [String]
    /// Flags sharing a group serve at most one of them per targeting key (lowest bucket wins).
    public var mutualExclusionGroup: String?
    /// Whether the flag's record names its type; when not, a dialect may describe the type by the
    /// value served (`Evaluation.declaredType` is nil).
    public var declaresType: Bool

    public init(
        key: String,
        type: ValueType = .boolean,
        defaultValue: JSONValue = false,
        offValue: JSONValue = false,
        base: EnvironmentSettings = EnvironmentSettings(),
        environments: [String: EnvironmentSettings] = [:],
        activeFrom: Double? = nil,
        activeUntil: Double? = nil,
        expiresAt: Double? = nil,
        prerequisites: [String] = [],
        mutualExclusionGroup: String? = nil,
        declaresType: Bool = true
    ) {
        self.key = key
        self.type = type
        self.defaultValue = defaultValue
        self.offValue = offValue
        self.base = base
        self.environments = environments
        self.activeFrom = activeFrom
        self.activeUntil = activeUntil
        self.expiresAt = expiresAt
        self.prerequisites = prerequisites
        self.mutualExclusionGroup = mutualExclusionGroup
        self.declaresType = declaresType
    }
}
