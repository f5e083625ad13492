import EdgeJSON

/// An EdgeFlags flag (`flag:<project>:<key>` in `FLAGS`, without `flag_type`), as the client wrote
/// it; `EdgeFlagsModel.flag` translates and validates it.
struct EdgeFlagsFlagRecord: EdgeFlagsRecord, Equatable {
    static let settings: [(name: String, field: WritableKeyPath<EdgeFlagsFlagRecord, JSONValue?> & Sendable)] = [
        ("enabled", \.enabled), ("value", \.value), ("targeting", \.targeting), ("environments", \.environments),
        ("active_from", \.activeFrom), ("active_until", \.activeUntil), ("name", \.name), ("type", \.type),
        ("defaultValue", \.defaultValue), ("description", \.description), ("tags", \.tags),
    ]

    var key: String
    /// The master switch (a boolean; required).
    var enabled: JSONValue?
    /// What it serves when on and no rule matches.
    var value: JSONValue?
    /// `{rules: [{conditions, value}], rollout: {percentage, attribute}}`.
    var targeting: JSONValue?
    /// Environment name → `{enabled?, value?, targeting?}` overriding the base.
    var environments: JSONValue?
    /// RFC 3339: the flag is off outside the window.
    var activeFrom: JSONValue?
    var activeUntil: JSONValue?
    var name: JSONValue?
    /// `boolean`, `string`, `number` or `json`; undeclared, it is inferred from the value.
    var type: JSONValue?
    /// What it serves when off.
    var defaultValue: JSONValue?
    var description: JSONValue?
    var tags: JSONValue?
    var storedVersion: Int?
    var createdAt: String?
    var updatedAt: String?

    init(key: String) {
        self.key = key
    }
}
