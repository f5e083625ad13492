import EdgeJSON
import EdgeWorker

/// An EdgeFlags record kept by key inside the token's project — flags, configs, segments — and the
/// steps their routes share: a taken key is a 409, a record the other dialect manages under the
/// same key is not changed here, every change is checked against `If-Match`, bumps `version`, is
/// validated whole and recorded (audit, webhooks, streams).
struct KeyedResource<Record: EdgeFlagsRecord>: Sendable {
    typealias Change = @Sendable (inout Record) throws(APIError) -> Void

    /// `flag`, `config`, `segment`: the audit's resource type, the webhook event's prefix and the
    /// answer's field (`{"key": …, "flag": {…}}`).
    let type: String
    /// The same, capitalized, for messages (`Flag not found`).
    let noun: String
    /// The fields `POST` requires besides `key`.
    let required: [String]
    let cachePolicy: String
    let storageKey: @Sendable (_ project: String, _ key: String) -> String
    let prefix: @Sendable (_ project: String) -> String
    /// Why a stored record cannot be changed through this dialect (it is the other dialect's), or nil.
    let managedElsewhere: @Sendable ([String: JSONValue]) -> String?
    /// Checks a whole record before it is stored (types, environments, compiling with the project).
    let validate: @Sendable (Record, TokenCall) throws(APIError) -> Void

    /// `GET` of the list: a page of `{key, <type>}`, each record as stored (the other dialect's too).
    func list(_ call: TokenCall) throws(APIError) -> Response {
        let page = try Page(call.request)
        let records = try call.service.flags.records(prefix: prefix(call.project))
        let body = page.body(records, name: type + "s") { record in
            .object(["key": record["key"] ?? .null, type: .object(record)])
        }
        return .json(body, headers: ["Cache-Control": cachePolicy])
    }

    /// The record of `key` as stored (of either dialect), or a 404.
    func stored(_ call: TokenCall, key: String) throws(APIError) -> [String: JSONValue] {
        guard let record = try call.service.flags.get(storageKey(call.project, key)) else {
            throw .notFound("\(noun) not found")
        }
        return record
    }

    /// `POST`: a new record at version 1 from the body's known fields.
    func create(_ call: TokenCall, check: (Body) throws(APIError) -> Void = { _ in }) async throws(APIError) -> Response {
        let body = try Body(call.request)
        try body.require(["key"] + required)
        guard let key = try body.string("key") else { throw .validation("Missing required fields: key") }
        try ResourceKey.validate(key)
        try check(body)
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let storageKey = storageKey(call.project, key)
            guard try call.service.flags.get(storageKey) == nil else { throw .conflict("\(noun) already exists") }
            var record = Record(key: key)
            for (name, value) in body.fields { record.set(name, value) }
            record.storedVersion = 1
            record.createdAt = call.timestamp
            record.updatedAt = call.timestamp
            try validate(record, call)
            try await call.service.flags.put(storageKey, record)
            try await call.recorded(.create, type, key: key, before: nil, after: .object(record.json))
            return .json(answer(record, key: key), status: 201)
        }
    }

    /// `PUT`: merges the body's known fields into the stored record; `null` removes a field.
    func update(_ call: TokenCall, check: (Body) throws(APIError) -> Void = { _ in }) async throws(APIError) -> Response {
        let key = call.parameter("key")
        let body = try Body(call.request)
        if let given = try body.string("key"), given != key { throw .validation("The key of a \(type) cannot be changed") }
        try check(body)
        return try await change(call, key: key) { (record: inout Record) throws(APIError) in
            for (name, value) in body.fields { record.set(name, value) }
        }
    }

    /// `DELETE`, checked against `If-Match`.
    func delete(_ call: TokenCall) async throws(APIError) -> Response {
        let key = call.parameter("key")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let before = try loadForChange(call, key: key)
            try Versioning.check(call.request, current: before.version)
            try await call.service.flags.delete(storageKey(call.project, key))
            try await call.recorded(.delete, type, key: key, before: .object(before.json), after: nil)
            return .json(["success": true])
        }
    }

    /// Applies `edit` to the stored record under the write lock: `If-Match`, a new version, the
    /// whole record validated, stored and recorded (for `environment`, when one environment's part
    /// changed).
    func change(_ call: TokenCall, key: String, environment: String? = nil, _ edit: Change) async throws(APIError) -> Response {
        try await call.service.writes.run { () async throws(APIError) -> Response in
            let before = try loadForChange(call, key: key)
            let version = before.version
            try Versioning.check(call.request, current: version)
            var after = before
            try edit(&after)
            after.storedVersion = version + 1
            after.updatedAt = call.timestamp
            try validate(after, call)
            try await call.service.flags.put(storageKey(call.project, key), after)
            try await call.recorded(.update, type, key: key, before: .object(before.json), after: .object(after.json),
                                    environment: environment)
            return .json(answer(after, key: key))
        }
    }

    /// The stored record of this dialect, or a 404 (a 409 when the other dialect's).
    private func loadForChange(_ call: TokenCall, key: String) throws(APIError) -> Record {
        let stored = try stored(call, key: key)
        if let reason = managedElsewhere(stored) { throw .conflict(reason) }
        guard let record = Record(json: stored) else { throw .notFound("\(noun) not found") }
        return record
    }

    /// `{"key": …, "<type>": record}`.
    func answer(_ record: Record, key: String) -> JSONValue {
        .object(["key": .string(key), type: .object(record.json)])
    }
}
