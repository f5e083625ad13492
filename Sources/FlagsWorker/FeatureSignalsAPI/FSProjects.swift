import EdgeJSON
import EdgeWorker

/// `/v1/projects`: a FeatureSignals project is the EdgeFlags `project:<id>` record with `org_id`
/// set, so `ff_` tokens minted for it (the bridge) see the same flags.
enum FSProjects {
    /// A new project of organization `orgID` (EdgeFlags `environments` = the slugs of `environments`).
    static func project(id: String, orgID: String, name: String, slug: String, environments: [String],
                        timestamp: String) -> ProjectRecord {
        ProjectRecord(id: id, name: name, slug: slug, environments: environments, orgID: orgID, createdAt: timestamp,
                      updatedAt: timestamp)
    }

    /// Every record a new project needs: itself, the organization's index entry, and each
    /// environment with its id index.
    static func records(_ project: ProjectRecord, environments: [(slug: String, name: String, color: String)],
                        newID: () -> String) -> [(String, any JSONRecord)] {
        var out: [(String, any JSONRecord)] = [
            (KeyLayout.project(project.id), project),
            (KeyLayout.organizationProject(project.orgID ?? "", project.id), ProjectIndex(projectID: project.id)),
        ]
        for environment in environments {
            let envID = newID()
            out.append((KeyLayout.environment(project.id, envID),
                        EnvironmentRecord(id: envID, projectID: project.id, name: environment.name, slug: environment.slug,
                                          color: environment.color, createdAt: project.createdAt)))
            out.append((KeyLayout.environmentIndex(envID), ProjectIndex(projectID: project.id)))
        }
        return out
    }

    /// The organization's projects.
    static func all(_ service: Service, org: String) throws(APIError) -> [ProjectRecord] {
        var projects: [ProjectRecord] = []
        for index in try service.flags.records(ProjectIndex.self, prefix: KeyLayout.organizationProjects(org)) {
            if let record = try service.flags.get(ProjectRecord.self, KeyLayout.project(index.projectID)) {
                projects.append(record)
            }
        }
        return projects
    }

    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        let projects = try all(call.service, org: call.member.orgID).sorted { $0.listOrder < $1.listOrder }
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
            if try all(call.service, org: org).contains(where: { $0.slug == slug }) {
                throw .fs(409, "project slug already exists")
            }
            let id = call.newID()
            let project = Self.project(id: id, orgID: org, name: name, slug: slug, environments: [], timestamp: call.timestamp)
            for (key, record) in records(project, environments: [], newID: call.newID) {
                try await call.service.flags.put(key, record)
            }
            let shape = FSShape.project(project)
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
            for environment in try flags.records(EnvironmentRecord.self, prefix: KeyLayout.environments(id)) {
                try await FSEnvironments.deleteContents(call, project: id, environment.id)
            }
            for prefix in [KeyLayout.flags(id), KeyLayout.flagStates(id), KeyLayout.segments(id), KeyLayout.configs(id),
                           KeyLayout.environments(id), KeyLayout.webhooks(id)] {
                for key in try flags.keys(prefix: prefix) { try await flags.delete(key) }
            }
            try await flags.delete(KeyLayout.organizationProject(call.member.orgID, id))
            try await flags.delete(KeyLayout.project(id))
            try await call.recordFeatureSignals(.delete, event: "project.deleted", resourceType: "project",
                                                key: record.slug ?? id, id: id, project: nil,
                                                before: FSShape.project(record), after: nil)
            return Response(status: 204, bytes: [])
        }
    }
}
