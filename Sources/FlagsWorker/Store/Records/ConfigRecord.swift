import EdgeJSON

/// An EdgeFlags config (`config:<project>:<key>` in `FLAGS`), as the client wrote it: a value, and
/// per-environment `{value}` overrides.
struct ConfigRecord: EdgeFlagsRecord, Equatable {
    static let settings: [(name: String, field: WritableKeyPath<ConfigRecord, JSONValue?> & Sendable)] = [
        ("value", \.value), ("environments", \.environments), ("name", \.name), ("description", \.description),
    ]

    var key: String
    /// Any JSON but `null` (required).
    var value: JSONValue?
    /// Environment name → `{value}`.
    var environments: JSONValue?
    var name: JSONValue?
    var description: JSONValue?
    var storedVersion: Int?
    var createdAt: String?
    var updatedAt: String?

    init(key: String) {
        self.key = key
    }

    /// Environment name → its override (an entry whose value is `null` overrides nothing).
    var overrides: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (name, entry) in environments?.objectValue ?? [:] {
            if let value = entry["value"], !value.isNull { out[name] = value }
        }
        return out
    }

    /// The value for `environment`: its override when it has one, else the base value.
    func value(in environment: String?) -> JSONValue {
        environment.flatMap { overrides[$0] } ?? value ?? .null
    }
}
