import EdgeJSON

/// A FeatureSignals flag's state in one environment (`flagstate:<project>:<flag key>:<env id>` in
/// `FLAGS`): the toggle, targeting, rollout and schedule there. A flag without one is off there.
///
/// The settings are kept as they were written, each a JSON value: their one translation is
/// `FeatureSignalsModel.settings`, which compiles them for the engine and is also what validates a
/// write (a partial update is checked by compiling the state it would store), so no second reading
/// of them exists to drift from the first.
struct FlagStateRecord: JSONRecord, Equatable {
    /// The settings a client writes, by their stored names.
    static let settings: [(name: String, field: WritableKeyPath<FlagStateRecord, JSONValue> & Sendable)] = [
        ("enabled", \.enabled), ("default_value", \.defaultValue), ("rules", \.rules),
        ("percentage_rollout", \.percentageRollout), ("variants", \.variants),
        ("scheduled_enable_at", \.scheduledEnableAt), ("scheduled_disable_at", \.scheduledDisableAt),
    ]

    /// The flag's id (`null` for a flag stored without one).
    var flagID: String?
    var flagKey: String
    var envID: String
    /// A boolean; `null` is off.
    var enabled: JSONValue
    /// What the flag serves here when no rule matches; `null` is the flag's own default.
    var defaultValue: JSONValue
    /// `[{priority, conditions, match_type, segment_keys, percentage, value}]` or `null`.
    var rules: JSONValue
    /// Basis points 0–10000 of contexts that get the flag; `null` or 0 is no rollout.
    var percentageRollout: JSONValue
    /// `[{key, value, weight}]` (an `ab` flag's) or `null`.
    var variants: JSONValue
    /// RFC 3339 or `null`.
    var scheduledEnableAt: JSONValue
    var scheduledDisableAt: JSONValue
    /// `null` until the state is first stored.
    var updatedAt: String?

    /// The state of an environment that has none stored: off, no targeting, no schedule.
    init(flagID: String?, flagKey: String, envID: String) {
        self.flagID = flagID
        self.flagKey = flagKey
        self.envID = envID
        enabled = false
        defaultValue = .null
        rules = []
        percentageRollout = 0
        variants = []
        scheduledEnableAt = .null
        scheduledDisableAt = .null
    }

    init?(json: [String: JSONValue]) {
        guard let flagKey = json["flag_key"]?.stringValue, let envID = json["env_id"]?.stringValue else { return nil }
        self.init(flagID: json["flag_id"]?.stringValue, flagKey: flagKey, envID: envID)
        for (name, field) in Self.settings { self[keyPath: field] = json[name] ?? .null }
        updatedAt = json["updated_at"]?.stringValue
    }

    /// Every field, `null` where unset: also the FeatureSignals answer.
    var json: [String: JSONValue] {
        var out: [String: JSONValue] = ["flag_id": flagID.map(JSONValue.string) ?? .null, "flag_key": .string(flagKey),
                                        "env_id": .string(envID), "updated_at": updatedAt.map(JSONValue.string) ?? .null]
        for (name, field) in Self.settings { out[name] = self[keyPath: field] }
        return out
    }

    /// Sets the setting stored as `name`; other names are not settings and change nothing.
    mutating func set(_ name: String, _ value: JSONValue) {
        guard let field = Self.settings.first(where: { $0.name == name })?.field else { return }
        self[keyPath: field] = value
    }
}
