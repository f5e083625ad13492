import EdgeJSON

/// An EdgeFlags flag, config or segment as stored: the fields the client wrote, by name, besides
/// `key`, `version` and the times. `KeyedResource` merges a body into it field by field (`null`
/// removes one) and `EdgeFlagsModel` is its one translation for the engine, which is also what
/// validates a write — so the fields stay the JSON values they were written as.
protocol EdgeFlagsRecord: JSONRecord {
    /// The fields a body may set besides `key`, by their stored names.
    static var settings: [(name: String, field: WritableKeyPath<Self, JSONValue?> & Sendable)] { get }
    init(key: String)
    var key: String { get }
    /// nil in a record written around the API without one, which reads as version 1.
    var storedVersion: Int? { get set }
    var createdAt: String? { get set }
    var updatedAt: String? { get set }
}

extension EdgeFlagsRecord {
    init?(json: [String: JSONValue]) {
        guard let key = json["key"]?.stringValue else { return nil }
        self.init(key: key)
        storedVersion = json["version"]?.doubleValue.map { Int($0) }
        createdAt = json["created_at"]?.stringValue
        updatedAt = json["updated_at"]?.stringValue
        for (name, field) in Self.settings { self[keyPath: field] = json[name] }
    }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = ["key": .string(key)]
        if let storedVersion { out["version"] = .number(Double(storedVersion)) }
        if let createdAt { out["created_at"] = .string(createdAt) }
        if let updatedAt { out["updated_at"] = .string(updatedAt) }
        for (name, field) in Self.settings {
            if let value = self[keyPath: field] { out[name] = value }
        }
        return out
    }

    var version: Int { storedVersion ?? 1 }

    /// Sets the field stored as `name` (`null` removes it); names that are not settings change nothing.
    mutating func set(_ name: String, _ value: JSONValue) {
        guard let field = Self.settings.first(where: { $0.name == name })?.field else { return }
        // (`nil` alone would be `JSONValue.null`, which is nil-literal expressible.)
        self[keyPath: field] = value.isNull ? Optional<JSONValue>.none : value
    }
}
