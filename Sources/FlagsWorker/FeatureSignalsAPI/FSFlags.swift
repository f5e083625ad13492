import EdgeJSON
import EdgeWorker
import FlagEngine

/// `/v1/projects/{id}/flags`: flag definitions, stored as `flag:<project>:<key>` with `flag_type`
/// (which marks them as FeatureSignals flags for the shared snapshot and for the EdgeFlags dialect).
/// `category` and `status` are bookkeeping for people (the engine does not read them); flags stored
/// before they existed read as `release` and `active`.
enum FSFlags {
    static let fields = ["id", "project_id", "key", "name", "description", "flag_type", "category", "status",
                         "default_value", "tags", "prerequisites", "mutual_exclusion_group", "expires_at", "created_at",
                         "updated_at"]
    static let writable: Set<String> = ["name", "description", "flag_type", "category", "status", "default_value", "tags",
                                        "prerequisites", "mutual_exclusion_group", "expires_at"]
    static let categories = ["release", "experiment", "ops", "permission"]
    static let statuses = ["active", "rolled_out", "deprecated", "archived"]
    static let defaults: [String: JSONValue] = ["category": "release", "status": "active"]

    static let resource = FSKeyedResource(
        type: "flag", storageKey: KeyLayout.flag, prefix: KeyLayout.flags, isOwn: FeatureSignalsModel.isFlag,
        notFound: "flag not found", conflict: "flag key already exists in this project",
        shape: shape, merge: merge,
        cascade: { call, project, key throws(APIError) in
            for stateKey in try call.service.flags.keys(prefix: KeyLayout.flagStates(project, key)) {
                try await call.service.flags.delete(stateKey)
            }
        })

    /// The wire shape; a field the record lacks is `null`, but `category` and `status` their defaults.
    static func shape(_ record: [String: JSONValue]) -> JSONValue {
        var out = FSShape.pick(record, fields).objectValue ?? [:]
        for (field, value) in defaults where record[field] == nil { out[field] = value }
        return .object(out)
    }

    static func load<Who>(_ call: Call<Who>, project: String, key: String) throws(APIError) -> [String: JSONValue] {
        try resource.load(call, project: project, key: key)
    }

    static func list(_ call: MemberCall) async throws(APIError) -> Response { try await resource.list(call) }
    static func get(_ call: MemberCall) async throws(APIError) -> Response { try await resource.get(call) }
    static func update(_ call: MemberCall) async throws(APIError) -> Response { try await resource.update(call) }
    /// Deletes the flag and its states in every environment.
    static func delete(_ call: MemberCall) async throws(APIError) -> Response { try await resource.delete(call) }

    static func create(_ call: MemberCall) async throws(APIError) -> Response {
        try await resource.create(call, initial: defaults.merging(["flag_type": "boolean", "tags": [], "prerequisites": []]) { $1 })
    }

    /// Applies and validates the writable fields of `body`.
    private static func merge(_ body: Body, into record: inout [String: JSONValue]) throws(APIError) {
        for (name, value) in body.fields where writable.contains(name) {
            if name == "category" || name == "status", value.isNull || value == "" { continue }  // unchanged, as the reference
            switch name {
            case "name":
                guard case .string(let text) = value, !text.trimmingSpaces.isEmpty else { throw .fs(400, "key and name are required") }
            case "description", "mutual_exclusion_group":
                guard value.isNull || value.stringValue != nil else { throw .fsInvalidBody }
            case "flag_type":
                guard case .string(let text) = value, FeatureSignalsModel.flagTypes.contains(text) else {
                    throw .fs(400, "flag_type must be one of boolean, string, number, json, ab")
                }
            case "category":
                guard let text = value.stringValue, categories.contains(text) else {
                    throw .fs(400, "category: must be release, experiment, ops, or permission")
                }
            case "status":
                guard let text = value.stringValue, statuses.contains(text) else {
                    throw .fs(400, "status: must be active, rolled_out, deprecated, or archived")
                }
            case "tags", "prerequisites":
                guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { throw .fsInvalidBody }
            case "expires_at":
                _ = try FeatureSignalsModel.time(value, "expires_at")
            default:
                break
            }
            if value.isNull && name != "default_value" { record.removeValue(forKey: name) } else { record[name] = value }
        }
        if let key = record["key"]?.stringValue,
           (record["prerequisites"]?.arrayValue ?? []).contains(where: { $0.stringValue == key }) {
            throw .fs(400, "a flag cannot be its own prerequisite")
        }
        _ = try FeatureSignalsModel.flag(record, states: [:])
    }
}
