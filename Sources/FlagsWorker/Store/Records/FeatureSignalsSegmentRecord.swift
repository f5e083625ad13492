import EdgeJSON

/// A FeatureSignals segment (`segment:<project>:<key>` in `FLAGS`, marked as this dialect's by
/// `match_type`), in the same key space as EdgeFlags segments: a rule of either dialect may name it.
struct FeatureSignalsSegmentRecord: FSKeyedRecord, Equatable {
    var id: String
    var projectID: String
    var key: String
    var name: String
    var description: String?
    /// `all` or `any` of the rules.
    var matchType: String
    /// `[{attribute, operator, values}]` as written; `FeatureSignalsModel.segment` is their translation.
    var rules: [JSONValue]
    var version: Int
    var createdAt: String
    var updatedAt: String

    /// A new segment at version 1 that matches everyone (no rules, all of them).
    init(id: String, projectID: String, key: String, name: String, timestamp: String) {
        self.id = id
        self.projectID = projectID
        self.key = key
        self.name = name
        matchType = "all"
        rules = []
        version = 1
        createdAt = timestamp
        updatedAt = timestamp
    }

    init?(json: [String: JSONValue]) {
        guard let matchType = json["match_type"]?.stringValue, let rules = json["rules"]?.arrayValue,
              let keyed = Self.keyed(json) else { return nil }
        self = keyed
        self.matchType = matchType
        self.rules = rules
        description = json["description"]?.stringValue
    }

    var json: [String: JSONValue] {
        var out = keyedJSON
        out["match_type"] = .string(matchType)
        out["rules"] = .array(rules)
        if let description { out["description"] = .string(description) }
        return out
    }

    /// The FeatureSignals answer: every field but `version`, `description` `null` when unset.
    var answer: JSONValue {
        var out = json
        out.removeValue(forKey: "version")
        out["description"] = description.map(JSONValue.string) ?? .null
        return .object(out)
    }
}
