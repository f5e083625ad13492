import EdgeJSON

/// An EdgeFlags segment (`segment:<project>:<key>` in `FLAGS`, without `match_type`), as the client
/// wrote it; `EdgeFlagsModel.segment` translates and validates it.
struct EdgeFlagsSegmentRecord: EdgeFlagsRecord, Equatable {
    static let settings: [(name: String, field: WritableKeyPath<EdgeFlagsSegmentRecord, JSONValue?> & Sendable)] = [
        ("conditions", \.conditions), ("name", \.name), ("description", \.description),
    ]

    var key: String
    /// `[{property, operator, value}]`, all of which must match (required).
    var conditions: JSONValue?
    var name: JSONValue?
    var description: JSONValue?
    var storedVersion: Int?
    var createdAt: String?
    var updatedAt: String?

    init(key: String) {
        self.key = key
    }
}
