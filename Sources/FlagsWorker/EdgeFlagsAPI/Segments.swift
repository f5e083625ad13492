import EdgeJSON
import EdgeWorker
import FlagEngine

/// `/api/v1/segments`: `{key, conditions, version}`; conditions may reference other segments
/// (`property: "segment"`), with cycles and nesting deeper than `Ruleset.maxSegmentDepth` refused.
enum Segments {
    static let fields: Set<String> = ["key", "conditions", "name", "description"]

    static func models(_ call: TokenCall) throws(APIError) -> [Segment] {
        var out: [Segment] = []
        for record in try call.service.flags.records(prefix: KeyLayout.segments(call.project)) {
            if let segment = try? EdgeFlagsModel.segment(record) { out.append(segment) }
        }
        return out
    }

    static let resource = KeyedResource(
        type: "segment", noun: "Segment", fields: fields, required: ["conditions"], cachePolicy: CachePolicy.segments,
        storageKey: KeyLayout.segment, prefix: KeyLayout.segments,
        managedElsewhere: { record in
            FeatureSignalsModel.isSegment(record)
                ? "Segment is managed through the FeatureSignals API (/v1/projects/{id}/segments)" : nil
        },
        validate: validate)

    static func list(_ call: TokenCall) async throws(APIError) -> Response { try resource.list(call) }

    static func get(_ call: TokenCall) async throws(APIError) -> Response {
        let record = try resource.load(call, key: call.parameter("key"))
        return .json(.object(["key": record["key"] ?? .null, "segment": .object(record)]),
                     headers: ["Cache-Control": CachePolicy.segments])
    }

    static func create(_ call: TokenCall) async throws(APIError) -> Response { try await resource.create(call) }

    static func update(_ call: TokenCall) async throws(APIError) -> Response { try await resource.update(call) }

    static func delete(_ call: TokenCall) async throws(APIError) -> Response { try await resource.delete(call) }

    /// Compiles the project's segments with this one in place: cycles, depth and regexes are 400s.
    @Sendable
    private static func validate(_ record: [String: JSONValue], _ call: TokenCall) throws(APIError) {
        guard case .array? = record["conditions"] else { throw Body.wrongType("conditions", "an array") }
        try Body.validateLabels(record)
        let segment = try EdgeFlagsModel.segment(record)
        var all = try models(call).filter { $0.key != segment.key }
        all.append(segment)
        do {
            _ = try Ruleset(flags: [], segments: all)
        } catch {
            throw .validation(error.message)
        }
    }
}
