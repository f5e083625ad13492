import EdgeJSON

/// A FeatureSignals environment (`environment:<project>:<id>` in `FLAGS`); its slug is also listed
/// in the project record, which is what the EdgeFlags dialect sees.
struct EnvironmentRecord: JSONRecord, Equatable {
    var id: String
    var projectID: String
    var name: String
    var slug: String
    var color: String
    var createdAt: String

    init(id: String, projectID: String, name: String, slug: String, color: String, createdAt: String) {
        self.id = id
        self.projectID = projectID
        self.name = name
        self.slug = slug
        self.color = color
        self.createdAt = createdAt
    }

    init?(json: [String: JSONValue]) {
        guard let id = json["id"]?.stringValue, let projectID = json["project_id"]?.stringValue,
              let name = json["name"]?.stringValue, let slug = json["slug"]?.stringValue,
              let color = json["color"]?.stringValue, let createdAt = json["created_at"]?.stringValue else { return nil }
        self.init(id: id, projectID: projectID, name: name, slug: slug, color: color, createdAt: createdAt)
    }

    var json: [String: JSONValue] {
        ["id": .string(id), "project_id": .string(projectID), "name": .string(name), "slug": .string(slug),
         "color": .string(color), "created_at": .string(createdAt)]
    }

    /// The order FeatureSignals lists environments in.
    var listOrder: (String, String) { (createdAt, slug) }
}
