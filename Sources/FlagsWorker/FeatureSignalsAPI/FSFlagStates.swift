import EdgeJSON
import EdgeWorker
import FlagEngine

/// The per-environment state of a flag (the toggle): `flagstate:<project>:<key>:<env id>`, with
/// promote and the kill switch. A flag without a state in an environment is off there.
enum FSFlagStates {
    static let fields = FlagStateRecord.settings.map(\.name)
    /// What changing each field needs of a developer with per-environment permissions.
    static let toggles: Set<String> = ["enabled", "scheduled_enable_at", "scheduled_disable_at"]

    static func shape(_ state: FlagStateRecord) -> JSONValue { .object(state.json) }

    /// The stored state, or the empty (disabled) one.
    static func load<Who>(_ call: Call<Who>, project: String, flag: FeatureSignalsFlagRecord, env: String) throws(APIError)
        -> (record: FlagStateRecord, stored: Bool)
    {
        let key = flag.key
        if let state = try call.service.flags.get(FlagStateRecord.self, KeyLayout.flagState(project, key, env)) {
            return (state, true)
        }
        return (FlagStateRecord(flagID: flag.id, flagKey: key, envID: env), false)
    }

    static func get(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        _ = try call.ownedProject(project)
        let flag = try FSFlags.load(call, project: project, key: call.parameter("key"))
        let env = call.parameter("envID")
        _ = try call.ownedEnvironment(project: project, env)
        return .json(shape(try load(call, project: project, flag: flag, env: env).record))
    }

    /// Every stored state of the project's flags, in one read: what a flag list shows as one switch
    /// per environment (a flag with no state in an environment is off there).
    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id")
        _ = try call.ownedProject(project)
        let states = try call.service.flags.records(FlagStateRecord.self, prefix: KeyLayout.flagStates(project))
        return .json(.array(states.map { state -> JSONValue in
            ["flag_key": .string(state.flagKey), "env_id": .string(state.envID),
             "enabled": .bool(state.enabled.boolValue ?? false)]
        }))
    }

    /// A partial upsert of the state.
    static func update(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id"), key = call.parameter("key"), env = call.parameter("envID")
        let body = try call.featureSignalsBody()
        let given = body.fields.filter { fields.contains($0.key) }
        try authorize(call, fields: Set(given.keys), env: env)
        return try await change(call, project: project, key: key, env: env, event: "flag.state_updated") { state in
            for (name, value) in given { state.set(name, value) }
        }
    }

    /// `{source_env_id, target_env_id}`: copies enabled, default value, rules and rollout.
    static func promote(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id"), key = call.parameter("key")
        let body = try call.featureSignalsBody()
        guard let source = try body.string("source_env_id"), let target = try body.string("target_env_id") else {
            throw .fs(400, "source_env_id and target_env_id are required")
        }
        try authorize(call, fields: ["enabled", "rules"], env: target)
        _ = try call.ownedProject(project)
        let flag = try FSFlags.load(call, project: project, key: key)
        _ = try call.ownedEnvironment(project: project, source)
        let from = try load(call, project: project, flag: flag, env: source).record
        return try await change(call, project: project, key: key, env: target, event: "flag.promoted") { state in
            state.enabled = from.enabled
            state.defaultValue = from.defaultValue
            state.rules = from.rules
            state.percentageRollout = from.percentageRollout
        }
    }

    /// `{env_id}`: off at once, whatever the schedule says.
    static func kill(_ call: MemberCall) async throws(APIError) -> Response {
        let project = call.parameter("id"), key = call.parameter("key")
        let body = try call.featureSignalsBody()
        guard let env = try body.string("env_id") else { throw .fs(400, "env_id is required") }
        try authorize(call, fields: ["enabled"], env: env)
        return try await change(call, project: project, key: key, env: env, event: "flag.killed") { state in
            state.enabled = false
            state.scheduledEnableAt = .null
        }
    }

    /// Applies `edit` to the state under the write lock, validates it by compiling it with the
    /// project's segments, stores it and records the change; when `enabled` changed, webhooks
    /// naming `flag.toggled` hear of it too (toggle, kill, promote, schedule, approval alike).
    static func change<Who>(_ call: Call<Who>, project: String, key: String, env: String, event: String,
                       actor: String? = nil, _ edit: @Sendable (inout FlagStateRecord) -> Void)
        async throws(APIError) -> Response
    {
        try await call.service.writes.run { () async throws(APIError) -> Response in
            // A member changes only what its organization owns; the cron changes what is due.
            let member = call.caller.account.map { call.on(behalfOf: $0) }
            _ = try member?.ownedProject(project)
            let flag = try FSFlags.load(call, project: project, key: key)
            _ = try member?.ownedEnvironment(project: project, env)
            let (before, stored) = try load(call, project: project, flag: flag, env: env)
            var after = before
            edit(&after)
            after.updatedAt = call.timestamp
            try validate(after, flag: flag, call: call, project: project)
            try await call.service.flags.put(KeyLayout.flagState(project, key, env), after)
            try await call.recordFeatureSignals(stored ? .update : .create, event: event, resourceType: "flag", key: key,
                                                id: flag.id, project: project,
                                                before: stored ? shape(before) : nil,
                                                after: shape(after), environment: env)
            if (before.enabled.boolValue ?? false) != (after.enabled.boolValue ?? false),
               let org = try call.service.flags.get(ProjectRecord.self, KeyLayout.project(project))?.orgID {
                // The event the reference dashboard offers; it repeats `event`, so `*` does not get it twice.
                Webhooks.notify(call, scope: org, event: "flag.toggled", resource: key, environment: env, data: shape(after),
                                wildcard: false)
            }
            return .json(shape(after))
        }
    }

    private static func validate<Who>(_ state: FlagStateRecord, flag: FeatureSignalsFlagRecord, call: Call<Who>,
                                 project: String) throws(APIError) {
        for value in [state.rules, state.variants] where !value.isNull && value.arrayValue == nil {
            throw .fsInvalidBody
        }
        let engineFlag = try FeatureSignalsModel.flag(flag, states: ["env": state])
        var segments: [Segment] = []
        for record in try call.service.flags.records(prefix: KeyLayout.segments(project)) {
            if let segment = FeatureSignalsModel.anySegment(record) { segments.append(segment) }
        }
        do {
            _ = try Ruleset(flags: [engineFlag], segments: segments)
        } catch {
            throw .fs(400, error.message)
        }
    }

    /// Developers may be limited per environment: flipping needs `can_toggle`, the rest `can_edit_rules`.
    private static func authorize(_ call: MemberCall, fields: Set<String>, env: String) throws(APIError) {
        let toggle = !fields.isDisjoint(with: toggles)
        let edit = !fields.subtracting(toggles).isEmpty
        guard call.member.may(toggle: toggle, editRules: edit, environment: env) else { throw .fsInsufficientPermissions }
    }
}
