import EdgeJSON
import EdgeWorker

/// A FeatureSignals resource kept by key inside a project — flags and segments — and the steps
/// their routes share: the project must be the caller's, a taken key is a 409, a record of the
/// other dialect under the same key is not this resource (it does not read as `Record`), updates
/// bump `version`, and every change is recorded (audit, webhooks, streams). A read and an update
/// answer `ETag: "<version>"`, and an update with `If-Match` is refused (409) when the stored version
/// differs — the console's "someone else changed this flag".
struct FSKeyedResource<Record: FSKeyedRecord>: Sendable {
    typealias Merge = @Sendable (Body, inout Record) throws(APIError) -> Void

    var type: String
    var storageKey: @Sendable (_ project: String, _ key: String) -> String
    var prefix: @Sendable (_ project: String) -> String
    var notFound: String
    var conflict: String
    /// Applies and validates the writable fields of a body.
    var merge: Merge
    /// What else goes when one is deleted (a flag's states).
    var cascade: (@Sendable (MemberCall, _ project: String, _ key: String) async throws(APIError) -> Void)?

    func load<Who>(_ call: Call<Who>, project: String, key: String) throws(APIError) -> Record {
        guard let record = try call.service.flags.get(Record.self, storageKey(project, key)) else { throw .fs(404, notFound) }
        return record
    }

    func list(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        _ = try call.ownedProject(project)
        return .json(.array(try call.service.flags.records(Record.self, prefix: prefix(project)).map(\.answer)))
    }

    func get(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        _ = try call.ownedProject(project)
        let record = try load(call, project: project, key: call.parameter("key"))
        return .json(record.answer, headers: Self.versionTag(record))
    }

    /// `key` and `name` are required; the rest are the new record's defaults unless the body says otherwise.
    func create(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        let body = try call.featureSignalsBody()
        let key = try body.string("key") ?? "", name = (try body.string("name") ?? "").trimmingSpaces
        guard !key.isEmpty, !name.isEmpty else { throw .fs(400, "key and name are required") }
        guard ResourceKey.isValid(key) else { throw .fs(400, "key must match \(ResourceKey.pattern)") }
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            _ = try call.ownedProject(project)
            guard try call.service.flags.get(storageKey(project, key)) == nil else { throw .fs(409, conflict) }
            var record = Record(id: call.newID(), projectID: project, key: key, name: name, timestamp: call.timestamp)
            try merge(body, &record)
            try await call.service.flags.put(storageKey(project, key), record)
            try await call.recordFeatureSignals(.create, event: "\(type).created", resourceType: type, key: key,
                                                id: record.id, project: project, before: nil, after: record.answer)
            return .json(record.answer, status: 201)
        }
    }

    /// A partial update: the fields given replace the stored ones; the key cannot change.
    func update(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id"), key = call.parameter("key")
        let body = try call.featureSignalsBody()
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            _ = try call.ownedProject(project)
            let before = try load(call, project: project, key: key)
            try Versioning.check(call.request, current: before.version)
            var after = before
            try merge(body, &after)
            after.version = before.version + 1
            after.updatedAt = call.timestamp
            try await call.service.flags.put(storageKey(project, key), after)
            try await call.recordFeatureSignals(.update, event: "\(type).updated", resourceType: type, key: key,
                                                id: before.id, project: project, before: before.answer, after: after.answer)
            return .json(after.answer, headers: Self.versionTag(after))
        }
    }

    /// `ETag: "<version>"`, what `If-Match` names on the next update.
    static func versionTag(_ record: Record) -> Headers {
        ["ETag": "\"\(record.version)\""]
    }

    func delete(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id"), key = call.parameter("key")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            _ = try call.ownedProject(project)
            let before = try load(call, project: project, key: key)
            try await cascade?(call, project, key)
            try await call.service.flags.delete(storageKey(project, key))
            try await call.recordFeatureSignals(.delete, event: "\(type).deleted", resourceType: type, key: key,
                                                id: before.id, project: project, before: before.answer, after: nil)
            return Response(status: 204, bytes: [])
        }
    }
}
