import EdgeJSON

/// A registered webhook (`webhook:<scope>:<id>` in `FLAGS`): a project's (EdgeFlags, `wh_…` ids) or
/// an organization's (FeatureSignals, UUIDs, with a name, a switch and `org_id`).
struct WebhookRecord: JSONRecord, Equatable {
    var id: String
    var url: String
    /// The events it receives; `*` is every event but those that repeat another (`flag.toggled`).
    var events: [String]
    /// The HMAC key of the signature; write-only (answers say `has_secret`).
    var secret: String?
    var createdAt: String
    /// FeatureSignals: the organization, which also marks the dialect (its signature style).
    var orgID: String?
    var name: String?
    /// FeatureSignals: nil (EdgeFlags) is on.
    var enabled: Bool?
    var updatedAt: String?

    init(id: String, url: String, events: [String], secret: String?, createdAt: String, orgID: String? = nil,
         name: String? = nil, enabled: Bool? = nil, updatedAt: String? = nil) {
        self.id = id
        self.url = url
        self.events = events
        self.secret = secret
        self.createdAt = createdAt
        self.orgID = orgID
        self.name = name
        self.enabled = enabled
        self.updatedAt = updatedAt
    }

    init?(json: [String: JSONValue]) {
        guard let id = json["id"]?.stringValue, let url = json["url"]?.stringValue,
              let events = json["events"]?.arrayValue?.compactMap(\.stringValue),
              let createdAt = json["created_at"]?.stringValue else { return nil }
        self.init(id: id, url: url, events: events, secret: json["secret"]?.stringValue, createdAt: createdAt,
                  orgID: json["org_id"]?.stringValue, name: json["name"]?.stringValue, enabled: json["enabled"]?.boolValue,
                  updatedAt: json["updated_at"]?.stringValue)
    }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = ["id": .string(id), "url": .string(url),
                                        "events": .array(events.map(JSONValue.string)), "created_at": .string(createdAt)]
        if let secret { out["secret"] = .string(secret) }
        if let orgID { out["org_id"] = .string(orgID) }
        if let name { out["name"] = .string(name) }
        if let enabled { out["enabled"] = .bool(enabled) }
        if let updatedAt { out["updated_at"] = .string(updatedAt) }
        return out
    }

    /// The stored fields without the secret, and whether one is set.
    var answer: [String: JSONValue] {
        var out = json
        out.removeValue(forKey: "secret")
        out["has_secret"] = .bool(secret != nil)
        return out
    }

    func receives(_ event: String, wildcard: Bool) -> Bool {
        enabled != false && (events.contains(event) || (wildcard && events.contains("*")))
    }

    var target: WebhookTarget {
        WebhookTarget(id: id, url: url, events: events, secret: secret, style: orgID != nil ? .featureSignals : .edgeFlags)
    }
}
