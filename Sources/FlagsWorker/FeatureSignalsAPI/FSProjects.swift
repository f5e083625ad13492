import EdgeJSON
import EdgeWorker

/// `/v1/projects`: a FeatureSignals project is the EdgeFlags `project:<id>` record with `org_id`
/// set, so `ff_` tokens minted for it (the bridge) see the same flags.
enum FSProjects {
    /// Every record a new project needs: itself (EdgeFlags `environments` = the slugs), the
    /// organization's index entry, and each environment with its id index.
    static func records(id: String, orgID: String, name: String, slug: String,
                        environments: [(slug: String, name: String, color: String)], newID: () -> String,
                        timestamp: String) -> [(String, [String: JSONValue])] {
        let stamp = JSONValue.string(timestamp)
        var out: [(String, [String: JSONValue])] = [
            (KeyLayout.project(id), ["id": .string(id), "org_id": .string(orgID), "name": .string(name), "slug": .string(slug),
                                     "environments": .array(environments.map { .string($0.slug) }),
                                     "created_at": stamp, "updated_at": stamp]),
            (KeyLayout.organizationProject(orgID, id), ["project_id": .string(id)]),
        ]
        for environment in environments {
            let envID = newID()
            out.append((KeyLayout.environment(id, envID),
                        ["id": .string(envID), "project_id": .string(id), "name": .string(environment.name),
                         "slug": .string(environment.slug), "color": .string(environment.color), "created_at": stamp]))
            out.append((KeyLayout.environmentIndex(envID), ["project_id": .string(id)]))
        }
        return out
    }

    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        var projects: [[String: JSONValue]] = []
        for index in try call.service.flags.records(prefix: KeyLayout.organizationProjects(call.member.orgID)) {
            if let id = index["project_id"]?.stringValue, let record = try call.service.flags.get(KeyLayout.project(id)) {
                projects.append(record)
            }
        }
        projects.sort { ($0["created_at"]?.stringValue ?? "", $0["slug"]?.stringValue ?? "")
            < ($1["created_at"]?.stringValue ?? "", $1["slug"]?.stringValue ?? "") }
        return .json(.array(projects.map(FSShape.project)))
    }

    static func create(_ call: MemberCall) async throws(APIError) -> Response {
        let body = try call.featureSignalsBody()
        let name = (try body.string("name") ?? "").trimmingSpaces
        guard !name.isEmpty else { throw .fs(400, "name is required") }
        let slug = Slug.make(try body.string("slug") ?? name)
        guard !slug.isEmpty, name.count <= 200 else { throw .fs(400, "name is required") }
        let org = call.member.orgID
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            for index in try call.service.flags.records(prefix: KeyLayout.organizationProjects(org)) {
                if let id = index["project_id"]?.stringValue,
                   try call.service.flags.get(KeyLayout.project(id))?["slug"]?.stringValue == slug {
                    throw .fs(409, "project slug already exists")
                }
            }
            let id = call.newID()
            let records = records(id: id, orgID: org, name: name, slug: slug, environments: [], newID: call.newID,
                                  timestamp: call.timestamp)
            for (key, record) in records { try await call.service.flags.put(key, record) }
            let shape = FSShape.project(records[0].1)
            try await call.recordFeatureSignals(.create, event: "project.created", resourceType: "project", key: slug,
                                                id: id, project: id, before: nil, after: shape)
            return .json(shape, status: 201)
        }
    }

    static func get(_ call: MemberCall) async throws(APIError) -> Response {
        .json(FSShape.project(try call.ownedProject(call.parameter("id"))))
    }

    /// Deletes the project and everything in it: flags, states, segments, configs, environments,
    /// webhooks and the API keys of its environments.
    static func delete(_ call: MemberCall) async throws(APIError) -> Response {
        let id = call.parameter("id")
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            let record = try call.ownedProject(id)
            let flags = call.service.flags
            for environment in try flags.records(prefix: KeyLayout.environments(id)) {
                if let envID = environment["id"]?.stringValue { try await FSEnvironments.deleteContents(call, project: id, envID) }
            }
            for prefix in [KeyLayout.flags(id), KeyLayout.flagStates(id), KeyLayout.segments(id), KeyLayout.configs(id),
                           KeyLayout.environments(id), KeyLayout.webhooks(id)] {
                for key in try flags.keys(prefix: prefix) { try await flags.delete(key) }
            }
            try await flags.delete(KeyLayout.organizationProject(call.member.orgID, id))
            try await flags.delete(KeyLayout.project(id))
            try await call.recordFeatureSignals(.delete, event: "project.deleted", resourceType: "project",
                                                key: record["slug"]?.stringValue ?? id, id: id, project: nil,
                                                before: FSShape.project(record), after: nil)
            return Response(status: 204, bytes: [])
        }
    }
}
