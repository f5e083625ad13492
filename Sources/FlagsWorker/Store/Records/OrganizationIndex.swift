import EdgeJSON

/// `orgslug:<slug>` in `FLAGS`: `{org_id}`, the organization that holds a slug.
struct OrganizationIndex: JSONRecord, Equatable {
    var orgID: String

    init(orgID: String) {
        self.orgID = orgID
    }

    init?(json: [String: JSONValue]) {
        guard let orgID = json["org_id"]?.stringValue else { return nil }
        self.init(orgID: orgID)
    }

    var json: [String: JSONValue] { ["org_id": .string(orgID)] }
}
