import EdgeJSON
import EdgeWorker

/// A FeatureSignals resource kept by key inside a project — flags and segments — and the steps
/// their routes share: the project must be the caller's, a taken key is a 409, a record of the
/// other dialect under the same key is not this resource, updates bump `version`, and every change
/// is recorded (audit, webhooks, streams). A read and an update answer `ETag: "<version>"`, and an
/// update with `If-Match` is refused (409) when the stored version differs — the console's
/// "someone else changed this flag".
struct FSKeyedResource: Sendable {
    typealias Merge = @Sendable (Body, inout [String: JSONValue]) throws(APIError) -> Void

    var type: String
    var storageKey: @Sendable (_ project: String, _ key: String) -> String
    var prefix: @Sendable (_ project: String) -> String
    var isOwn: @Sendable ([String: JSONValue]) -> Bool
    var notFound: String
    var conflict: String
    var shape: @Sendable ([String: JSONValue]) -> JSONValue
    /// Applies and validates the writable fields of a body.
    var merge: Merge
    /// What else goes when one is deleted (a flag's states).
    var cascade: (@Sendable (MemberCall, _ project: String, _ key: String) async throws(APIError) -> Void)?

    func load<Who>(_ call: Call<Who>, project: String, key: String) throws(APIError) -> [String: JSONValue] {
        guard let record = try call.service.flags.get(storageKey(project, key)), isOwn(record) else {
            throw .fs(404, notFound)
        }
        return record
    }

    func list(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        _ = try call.ownedProject(project)
        return .json(.array(try call.service.flags.records(prefix: prefix(project)).filter(isOwn).map(shape)))
    }

    func get(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        _ = try call.ownedProject(project)
        let record = try load(call, project: project, key: call.parameter("key"))
        return .json(shape(record), headers: Self.versionTag(record))
    }

    /// `key` and `name` are required; `initial` holds the defaults the body may override.
    func create(_ call: MemberCall, initial: [String: JSONValue]) async throws(APIError) -> Response {
        let project = call.parameter("id")
        let body = try call.featureSignalsBody()
        let key = try body.string("key") ?? "", name = (try body.string("name") ?? "").trimmingSpaces
        guard !key.isEmpty, !name.isEmpty else { throw .fs(400, "key and name are required") }
        guard ResourceKey.isValid(key) else { throw .fs(400, "key must match \(ResourceKey.pattern)") }
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            _ = try call.ownedProject(project)
            guard try call.service.flags.get(storageKey(project, key)) == nil else { throw .fs(409, conflict) }
            var record = initial
            for (field, value) in ["id": JSONValue.string(call.newID()), "project_id": .string(project), "key": .string(key),
                                   "version": 1, "created_at": .string(call.timestamp),
                                   "updated_at": .string(call.timestamp)] { record[field] = value }
            try merge(body, &record)
            try await call.service.flags.put(storageKey(project, key), record)
            try await call.recordFeatureSignals(.create, event: "\(type).created", resourceType: type, key: key,
                                                id: record["id"]?.stringValue, project: project, before: nil,
                                                after: shape(record))
            return .json(shape(record), status: 201)
        }
    }

    /// A partial update: the fields given replace the stored ones; the key cannot change.
    func update(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id"), key = call.parameter("key")
        let body = try call.featureSignalsBody()
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            _ = try call.ownedProject(project)
            let before = try load(call, project: project, key: key)
            try Versioning.check(call.request, current: Versioning.version(of: before))
            var after = before
            try merge(body, &after)
            after["version"] = .number(Double(Versioning.version(of: before) + 1))
            after["updated_at"] = .string(call.timestamp)
            try await call.service.flags.put(storageKey(project, key), after)
            try await call.recordFeatureSignals(.update, event: "\(type).updated", resourceType: type, key: key,
                                                id: before["id"]?.stringValue, project: project, before: shape(before),
                                                after: shape(after))
            return .json(shape(after), headers: Self.versionTag(after))
        }
    }

    /// `ETag: "<version>"`, what `If-Match` names on the next update.
    static func versionTag(_ record: [String: JSONValue]) -> Headers {
        ["ETag": "\"\(Versioning.version(of: record))\""]
    }

    func delete(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id"), key = call.parameter("key")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            _ = try call.ownedProject(project)
            let before = try load(call, project: project, key: key)
            try await cascade?(call, project, key)
            try await call.service.flags.delete(storageKey(project, key))
            try await call.recordFeatureSignals(.delete, event: "\(type).deleted", resourceType: type, key: key,
                                                id: before["id"]?.stringValue, project: project, before: shape(before),
                                                after: nil)
            return Response(status: 204, bytes: [])
        }
    }
}
