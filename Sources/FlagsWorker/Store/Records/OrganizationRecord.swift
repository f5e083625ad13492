import EdgeJSON

/// A FeatureSignals organization (`org:<id>` in `FLAGS`, found by slug through `orgslug:<slug>`).
struct OrganizationRecord: JSONRecord, Equatable {
    var id: String
    var name: String
    var slug: String
    var createdAt: String
    var updatedAt: String

    init(id: String, name: String, slug: String, createdAt: String, updatedAt: String) {
        self.id = id
        self.name = name
        self.slug = slug
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    init?(json: [String: JSONValue]) {
        guard let id = json["id"]?.stringValue, let name = json["name"]?.stringValue, let slug = json["slug"]?.stringValue,
              let createdAt = json["created_at"]?.stringValue, let updatedAt = json["updated_at"]?.stringValue else { return nil }
        self.init(id: id, name: name, slug: slug, createdAt: createdAt, updatedAt: updatedAt)
    }

    /// Also the FeatureSignals answer: every field is public.
    var json: [String: JSONValue] {
        ["id": .string(id), "name": .string(name), "slug": .string(slug), "created_at": .string(createdAt),
         "updated_at": .string(updatedAt)]
    }
}
