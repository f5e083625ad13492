import EdgeJSON
import EdgeWorker
import FlagEngine

/// `/v1/projects/{id}/flags`: flag definitions, stored as `flag:<project>:<key>` with `flag_type`
/// (which marks them as FeatureSignals flags for the shared snapshot and for the EdgeFlags dialect).
/// `category` and `status` are bookkeeping for people (the engine does not read them); flags stored
/// before they existed read as `release` and `active`.
enum FSFlags {
    static let writable: Set<String> = ["name", "description", "flag_type", "category", "status", "default_value", "tags",
                                        "prerequisites", "mutual_exclusion_group", "expires_at"]
    static let categories = ["release", "experiment", "ops", "permission"]
    static let statuses = ["active", "rolled_out", "deprecated", "archived"]

    static let resource = FSKeyedResource<FeatureSignalsFlagRecord>(
        type: "flag", storageKey: KeyLayout.flag, prefix: KeyLayout.flags,
        notFound: "flag not found", conflict: "flag key already exists in this project", merge: merge,
        cascade: { call, project, key throws(APIError) in
            for stateKey in try call.service.flags.keys(prefix: KeyLayout.flagStates(project, key)) {
                try await call.service.flags.delete(stateKey)
            }
        })

    static func load<Who>(_ call: Call<Who>, project: String, key: String) throws(APIError) -> FeatureSignalsFlagRecord {
        try resource.load(call, project: project, key: key)
    }

    static func list(_ call: MemberCall) async throws(APIError) -> Response { try await resource.list(call) }
    static func get(_ call: MemberCall) async throws(APIError) -> Response { try await resource.get(call) }
    static func update(_ call: MemberCall) async throws(APIError) -> Response { try await resource.update(call) }
    /// Deletes the flag and its states in every environment.
    static func delete(_ call: MemberCall) async throws(APIError) -> Response { try await resource.delete(call) }

    static func create(_ call: MemberCall) async throws(APIError) -> Response {
        try await resource.create(call)
    }

    /// Applies and validates the writable fields of `body`.
    /// `null` unsets `description`, `mutual_exclusion_group` and `expires_at`, and is the value of
    /// `default_value`; it leaves `category` and `status` unchanged, as the reference does.
    private static func merge(_ body: Body, into record: inout FeatureSignalsFlagRecord) throws(APIError) {
        for (name, value) in body.fields where writable.contains(name) {
            if name == "category" || name == "status", value.isNull || value == "" { continue }
            switch name {
            case "name":
                guard case .string(let text) = value, !text.trimmingSpaces.isEmpty else { throw .fs(400, "key and name are required") }
                record.name = text
            case "description", "mutual_exclusion_group":
                guard value.isNull || value.stringValue != nil else { throw .fsInvalidBody }
                if name == "description" { record.description = value.stringValue } else { record.mutualExclusionGroup = value.stringValue }
            case "flag_type":
                guard case .string(let text) = value, FeatureSignalsModel.flagTypes.contains(text) else {
                    throw .fs(400, "flag_type must be one of boolean, string, number, json, ab")
                }
                record.flagType = text
            case "category":
                guard let text = value.stringValue, categories.contains(text) else {
                    throw .fs(400, "category: must be release, experiment, ops, or permission")
                }
                record.category = text
            case "status":
                guard let text = value.stringValue, statuses.contains(text) else {
                    throw .fs(400, "status: must be active, rolled_out, deprecated, or archived")
                }
                record.status = text
            case "tags", "prerequisites":
                guard let items = value.arrayValue, items.allSatisfy({ $0.stringValue != nil }) else { throw .fsInvalidBody }
                let keys = items.compactMap(\.stringValue)
                if name == "tags" { record.tags = keys } else { record.prerequisites = keys }
            case "expires_at":
                _ = try FeatureSignalsModel.time(value, "expires_at")
                record.expiresAt = value.stringValue
            default:
                record.defaultValue = value
            }
        }
        if (record.prerequisites ?? []).contains(record.key) {
            throw .fs(400, "a flag cannot be its own prerequisite")
        }
        _ = try FeatureSignalsModel.flag(record, states: [:])
    }
}
