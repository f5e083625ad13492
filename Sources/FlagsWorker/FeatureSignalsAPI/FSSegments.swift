import EdgeJSON
import EdgeWorker
import FlagEngine

/// `/v1/projects/{id}/segments`: `{key, name, description?, match_type, rules: [Condition]}`, in the
/// same `segment:<project>:<key>` space as EdgeFlags segments (a rule of either dialect may name one).
enum FSSegments {
    static let resource = FSKeyedResource<FeatureSignalsSegmentRecord>(
        type: "segment", storageKey: KeyLayout.segment, prefix: KeyLayout.segments,
        notFound: "segment not found", conflict: "segment key already exists in this project", merge: merge, cascade: nil)

    static func list(_ call: MemberCall) async throws(APIError) -> Response { try await resource.list(call) }
    static func get(_ call: MemberCall) async throws(APIError) -> Response { try await resource.get(call) }
    static func update(_ call: MemberCall) async throws(APIError) -> Response { try await resource.update(call) }
    static func delete(_ call: MemberCall) async throws(APIError) -> Response { try await resource.delete(call) }

    static func create(_ call: MemberCall) async throws(APIError) -> Response {
        try await resource.create(call)
    }

    private static func merge(_ body: Body, into record: inout FeatureSignalsSegmentRecord) throws(APIError) {
        if let name = try body.string("name") {
            guard !name.trimmingSpaces.isEmpty else { throw .fs(400, "key and name are required") }
            record.name = name
        }
        if body.fields["description"] != nil { record.description = try body.string("description") ?? "" }
        if let matchType = body["match_type"] { record.matchType = try FeatureSignalsModel.matchType(matchType).rawValue }
        if let rules = try body.array("rules") { record.rules = rules }
        let segment = try FeatureSignalsModel.segment(record)
        do {
            _ = try Ruleset(flags: [], segments: [segment])
        } catch {
            throw .fs(400, error.message)
        }
    }
}
