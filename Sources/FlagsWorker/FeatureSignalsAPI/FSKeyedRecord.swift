import EdgeJSON

/// What `FSKeyedResource` needs of its records: the fields every keyed FeatureSignals record has
/// (one mapping of them, below), a new one, and its answer.
protocol FSKeyedRecord: JSONRecord {
    /// A new record at version 1 with the type's defaults.
    init(id: String, projectID: String, key: String, name: String, timestamp: String)
    var id: String { get }
    var projectID: String { get }
    var key: String { get }
    var name: String { get }
    var version: Int { get set }
    var createdAt: String { get }
    var updatedAt: String { get set }
    /// The FeatureSignals wire shape.
    var answer: JSONValue { get }
}

extension FSKeyedRecord {
    /// A record with the shared fields of `json` and the type's defaults for the rest; nil when
    /// one of them is missing. (`version` reads as 1 when absent.)
    static func keyed(_ json: [String: JSONValue]) -> Self? {
        guard let id = json["id"]?.stringValue, let projectID = json["project_id"]?.stringValue,
              let key = json["key"]?.stringValue, let name = json["name"]?.stringValue,
              let createdAt = json["created_at"]?.stringValue, let updatedAt = json["updated_at"]?.stringValue else {
            return nil
        }
        var record = Self(id: id, projectID: projectID, key: key, name: name, timestamp: createdAt)
        record.updatedAt = updatedAt
        record.version = json["version"]?.doubleValue.map { Int($0) } ?? 1
        return record
    }

    /// The shared fields, to store.
    var keyedJSON: [String: JSONValue] {
        ["id": .string(id), "project_id": .string(projectID), "key": .string(key), "name": .string(name),
         "version": .number(Double(version)), "created_at": .string(createdAt), "updated_at": .string(updatedAt)]
    }
}
