import EdgeJSON

/// Which project something belongs to: `envindex:<env id>` (an environment's) and
/// `orgproject:<org>:<project>` (an organization's projects), both `{project_id}` in `FLAGS`.
struct ProjectIndex: JSONRecord, Equatable {
    var projectID: String

    init(projectID: String) {
        self.projectID = projectID
    }

    init?(json: [String: JSONValue]) {
        guard let projectID = json["project_id"]?.stringValue else { return nil }
        self.init(projectID: projectID)
    }

    var json: [String: JSONValue] { ["project_id": .string(projectID)] }
}
