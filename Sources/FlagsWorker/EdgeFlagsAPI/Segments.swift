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

    static func list(_ call: TokenCall) async throws(APIError) -> Response {
        let page = try Page(call.request)
        let records = try call.service.flags.records(prefix: KeyLayout.segments(call.project))
        let body = page.body(records, name: "segments") { record in
            .object(["key": record["key"] ?? .null, "segment": .object(record)])
        }
        return .json(body, headers: ["Cache-Control": CachePolicy.segments])
    }

    static func get(_ call: TokenCall) async throws(APIError) -> Response {
        guard let record = try call.service.flags.get(KeyLayout.segment(call.project, call.parameter("key"))) else {
            throw .notFound("Segment not found")
        }
        return .json(.object(["key": record["key"] ?? .null, "segment": .object(record)]),
                     headers: ["Cache-Control": CachePolicy.segments])
    }

    static func create(_ call: TokenCall) async throws(APIError) -> Response {
        let body = try Body(call.request)
        try body.require("key", "conditions")
        guard let key = try body.string("key") else { throw .validation("Missing required fields: key") }
        try ResourceKey.validate(key)
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.segment(call.project, key)
            guard try call.service.flags.get(storageKey) == nil else { throw .conflict("Segment already exists") }
            var record = body.fields.filter { fields.contains($0.key) && !$0.value.isNull }
            record["version"] = 1
            record["created_at"] = .string(call.timestamp)
            record["updated_at"] = .string(call.timestamp)
            try validate(record, call)
            try await call.service.flags.put(storageKey, record)
            try await call.recorded(.create, "segment", key: key, before: nil, after: .object(record))
            return .json(["key": .string(key), "segment": .object(record)], status: 201)
        }
    }

    static func update(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key")
        let body = try Body(call.request)
        if let given = try body.string("key"), given != key { throw .validation("The key of a segment cannot be changed") }
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.segment(call.project, key)
            guard let before = try call.service.flags.get(storageKey) else { throw .notFound("Segment not found") }
            if FeatureSignalsModel.isSegment(before) {
                throw .conflict("Segment is managed through the FeatureSignals API (/v1/projects/{id}/segments)")
            }
            let version = Versioning.version(of: before)
            try Versioning.check(call.request, current: version)
            var after = before
            for (name, value) in body.fields where fields.contains(name) && name != "key" {
                if value.isNull { after.removeValue(forKey: name) } else { after[name] = value }
            }
            after["version"] = .number(Double(version + 1))
            after["updated_at"] = .string(call.timestamp)
            try validate(after, call)
            try await call.service.flags.put(storageKey, after)
            try await call.recorded(.update, "segment", key: key, before: .object(before), after: .object(after))
            return .json(["key": .string(key), "segment": .object(after)])
        }
    }

    static func delete(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = KeyLayout.segment(call.project, key)
            guard let before = try call.service.flags.get(storageKey) else { throw .notFound("Segment not found") }
            if FeatureSignalsModel.isSegment(before) {
                throw .conflict("Segment is managed through the FeatureSignals API (/v1/projects/{id}/segments)")
            }
            try Versioning.check(call.request, current: Versioning.version(of: before))
            try await call.service.flags.delete(storageKey)
            try await call.recorded(.delete, "segment", key: key, before: .object(before), after: nil)
            return .json(["success": true])
        }
    }

    /// Compiles the project's segments with this one in place: cycles, depth and regexes are 400s.
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
