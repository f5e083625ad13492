import EdgeJSON
import EdgeWorker
import FlagEngine

/// `/api/v1/segments`: `{key, conditions, version}`; conditions may reference other segments
/// (`property: "segment"`), with cycles and nesting deeper than `Ruleset.maxSegmentDepth` refused.
enum Segments {
    /// The project's segments as an EdgeFlags write is validated against them.
    static func models(_ call: TokenCall) throws(APIError) -> [Segment] {
        try call.service.flags.records(EdgeFlagsSegmentRecord.self, prefix: KeyLayout.segments(call.project))
            .compactMap { try? EdgeFlagsModel.segment($0) }
    }

    static let resource = KeyedResource<EdgeFlagsSegmentRecord>(
        type: "segment", noun: "Segment", required: ["conditions"], cachePolicy: CachePolicy.segments,
        storageKey: KeyLayout.segment, prefix: KeyLayout.segments,
        managedElsewhere: { record in
            FeatureSignalsModel.isSegment(record)
                ? "Segment is managed through the FeatureSignals API (/v1/projects/{id}/segments)" : nil
        },
        validate: validate)

    static func list(_ call: TokenCall) async throws(APIError) -> Response { try resource.list(call) }

    static func get(_ call: TokenCall) async throws(APIError) -> Response {
        // As stored: a FeatureSignals segment answers here too, in its own fields.
        let record = try resource.stored(call, key: call.parameter("key"))
        return .json(.object(["key": record["key"] ?? .null, "segment": .object(record)]),
                     headers: ["Cache-Control": CachePolicy.segments])
    }

    static func create(_ call: TokenCall) async throws(APIError) -> Response { try await resource.create(call) }

    static func update(_ call: TokenCall) async throws(APIError) -> Response { try await resource.update(call) }

    static func delete(_ call: TokenCall) async throws(APIError) -> Response { try await resource.delete(call) }

    /// Compiles the project's segments with this one in place: cycles, depth and regexes are 400s.
    @Sendable
    private static func validate(_ record: EdgeFlagsSegmentRecord, _ call: TokenCall) throws(APIError) {
        guard case .array? = record.conditions else { throw Body.wrongType("conditions", "an array") }
        try Body.validateLabels(name: record.name, description: record.description, tags: nil)
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
