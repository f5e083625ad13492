import EdgeJSON

/// A project (`project:<id>` in `FLAGS`): EdgeFlags' `default`, or a FeatureSignals project, which
/// is the same record with `org_id` set so that `ff_` tokens minted for it see the same flags.
struct ProjectRecord: JSONRecord, Equatable {
    var id: String
    var name: String
    /// Records stored before projects had slugs answer with their id.
    var slug: String?
    /// The environments by slug: what EdgeFlags lists and `context.environment` names.
    var environments: [String]
    /// FeatureSignals: the owning organization (its environments are records of their own).
    var orgID: String?
    var createdAt: String
    var updatedAt: String

    init(id: String, name: String, slug: String?, environments: [String], orgID: String? = nil, createdAt: String,
         updatedAt: String) {
        self.id = id
        self.name = name
        self.slug = slug
        self.environments = environments
        self.orgID = orgID
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    init?(json: [String: JSONValue]) {
        guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue,
              let environments = json["environments"]?.arrayValue?.compactMap(\.stringValue),
              let createdAt = json["created_at"]?.stringValue, let updatedAt = json["updated_at"]?.stringValue else { return nil }
        self.init(id: id, name: name, slug: json["slug"]?.stringValue, environments: environments,
                  orgID: json["org_id"]?.stringValue, createdAt: createdAt, updatedAt: updatedAt)
    }

    var json: [String: JSONValue] {
        var out: [String: JSONValue] = ["id": .string(id), "name": .string(name),
                                        "environments": .array(environments.map(JSONValue.string)),
                                        "created_at": .string(createdAt), "updated_at": .string(updatedAt)]
        if let slug { out["slug"] = .string(slug) }
        if let orgID { out["org_id"] = .string(orgID) }
        return out
    }

    /// The order FeatureSignals lists projects in.
    var listOrder: (String, String) { (createdAt, slug ?? "") }
}
