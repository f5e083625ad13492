import EdgeJSON

/// A FeatureSignals flag definition (`flag:<project>:<key>` in `FLAGS`, marked as this dialect's by
/// `flag_type`); its settings per environment are `FlagStateRecord`s. `category` and `status` are
/// bookkeeping for people, absent from flags stored before they existed (which read as `release`
/// and `active`).
struct FeatureSignalsFlagRecord: FSKeyedRecord, Equatable {
    var id: String
    var projectID: String
    var key: String
    var name: String
    var description: String?
    /// `boolean`, `string`, `number`, `json` or `ab`.
    var flagType: String
    var category: String?
    var status: String?
    /// What the flag serves where no state says otherwise; nil when never given (the type's zero),
    /// `null` when given as `null`.
    var defaultValue: JSONValue?
    var tags: [String]?
    /// Keys of flags that must be on for this one to be.
    var prerequisites: [String]?
    var mutualExclusionGroup: String?
    /// RFC 3339.
    var expiresAt: String?
    var version: Int
    var createdAt: String
    var updatedAt: String

    /// A new flag at version 1: a boolean, `release` and `active`, without tags or prerequisites.
    init(id: String, projectID: String, key: String, name: String, timestamp: String) {
        self.id = id
        self.projectID = projectID
        self.key = key
        self.name = name
        flagType = "boolean"
        category = "release"
        status = "active"
        tags = []
        prerequisites = []
        version = 1
        createdAt = timestamp
        updatedAt = timestamp
    }

    init?(json: [String: JSONValue]) {
        guard let flagType = json["flag_type"]?.stringValue, let keyed = Self.keyed(json) else { return nil }
        self = keyed
        self.flagType = flagType
        description = json["description"]?.stringValue
        category = json["category"]?.stringValue
        status = json["status"]?.stringValue
        defaultValue = json["default_value"]
        tags = json["tags"]?.arrayValue?.compactMap(\.stringValue)
        prerequisites = json["prerequisites"]?.arrayValue?.compactMap(\.stringValue)
        mutualExclusionGroup = json["mutual_exclusion_group"]?.stringValue
        expiresAt = json["expires_at"]?.stringValue
    }

    var json: [String: JSONValue] {
        var out = keyedJSON
        out["flag_type"] = .string(flagType)
        if let description { out["description"] = .string(description) }
        if let category { out["category"] = .string(category) }
        if let status { out["status"] = .string(status) }
        if let defaultValue { out["default_value"] = defaultValue }
        if let tags { out["tags"] = .array(tags.map(JSONValue.string)) }
        if let prerequisites { out["prerequisites"] = .array(prerequisites.map(JSONValue.string)) }
        if let mutualExclusionGroup { out["mutual_exclusion_group"] = .string(mutualExclusionGroup) }
        if let expiresAt { out["expires_at"] = .string(expiresAt) }
        return out
    }

    /// The FeatureSignals answer: every field but `version`, `null` where unset, and `category` and
    /// `status` their defaults.
    var answer: JSONValue {
        var out = json
        out.removeValue(forKey: "version")
        for field in ["description", "default_value", "tags", "prerequisites", "mutual_exclusion_group", "expires_at"]
            where out[field] == nil { out[field] = .null }
        out["category"] = .string(category ?? "release")
        out["status"] = .string(status ?? "active")
        return .object(out)
    }
}
