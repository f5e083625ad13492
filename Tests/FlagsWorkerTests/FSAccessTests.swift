import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// FeatureSignals roles (4 roles × every management route) and tenant isolation (another
/// organization's ids are 404 on every route that takes one).
@Suite("FeatureSignals: role matrix and tenant isolation")
struct FSAccessTests {
    /// An organization with one of everything, so every route has something real to work on.
    struct World {
        var account: FSAccount
        var flag = "f"
        var segment = "seg"
        var webhookID: String
        var spareMemberID: String
        var apiKeyID: String
        var spareEnvironmentID: String
        /// Requested by another member, so owners and admins may review it.
        var approvalID: String

        /// The route's path with its parameters filled in from this world.
        func path(_ route: Route) -> String {
            var path = route.path
            let production = account.environments["production"] ?? ""
            if path.hasPrefix("/v1/webhooks/") { path = path.replacingOccurrences(of: "{id}", with: webhookID) }
            if path.hasPrefix("/v1/approvals/") { path = path.replacingOccurrences(of: "{id}", with: approvalID) }
            if path.hasPrefix("/v1/members/") { path = path.replacingOccurrences(of: "{id}", with: spareMemberID) }
            if path.contains("/segments/") { path = path.replacingOccurrences(of: "{key}", with: segment) }
            if route.method == "DELETE" && path.hasSuffix("/environments/{envID}") {
                path = path.replacingOccurrences(of: "{envID}", with: spareEnvironmentID)
            }
            return path.replacingOccurrences(of: "{id}", with: account.projectID)
                .replacingOccurrences(of: "{key}", with: flag)
                .replacingOccurrences(of: "{envID}", with: production)
                .replacingOccurrences(of: "{keyID}", with: apiKeyID)
        }

        /// A valid body for each route that takes one.
        func body(_ route: Route) -> JSONValue? {
            let production = JSONValue.string(account.environments["production"] ?? "")
            let staging = JSONValue.string(account.environments["staging"] ?? "")
            switch route.method + " " + route.path {
            case "POST /v1/projects": return ["name": "Another project"]
            case "POST /v1/projects/{id}/environments": return ["name": "Another environment"]
            case "POST /v1/projects/{id}/flags": return ["key": "another-flag", "name": "Another"]
            case "PUT /v1/projects/{id}/flags/{key}": return ["description": "changed"]
            case "PUT /v1/projects/{id}/flags/{key}/environments/{envID}": return ["enabled": true]
            case "POST /v1/projects/{id}/flags/{key}/promote": return ["source_env_id": staging, "target_env_id": production]
            case "POST /v1/projects/{id}/flags/{key}/kill": return ["env_id": production]
            case "POST /v1/projects/{id}/segments": return ["key": "another-segment", "name": "Another"]
            case "PUT /v1/projects/{id}/segments/{key}": return ["name": "Renamed"]
            case "POST /v1/environments/{envID}/api-keys": return ["name": "another", "type": "server"]
            case "POST /v1/webhooks": return ["url": "http://127.0.0.1:9/another", "events": ["flag.created"]]
            case "PUT /v1/webhooks/{id}": return ["name": "renamed"]
            case "POST /v1/members/invite": return ["email": "invited@acme.io", "role": "viewer"]
            case "PUT /v1/members/{id}": return ["role": "developer"]
            case "PUT /v1/members/{id}/permissions": return [["env_id": production, "can_toggle": true]]
            case "POST /v1/approvals":
                return ["project_id": .string(account.projectID), "flag_key": "f", "env_id": production, "payload": ["enabled": true]]
            case "POST /v1/approvals/{id}/review": return ["action": "approve"]
            default: return route.method == "POST" || route.method == "PUT" ? [:] : nil
            }
        }
    }

    static func world(_ fs: FSHarness, email: String = "owner@acme.io", org: String = "Acme") async throws -> World {
        let account = try await fs.register(email: email, org: org)
        try await fs.flag(account, ["key": "f", "name": "F"])
        try await fs.state(account, "f", env: "staging", ["enabled": true])
        let segment = await fs.call("POST", "/v1/projects/\(account.projectID)/segments", bearer: account.access,
                                    json: ["key": "seg", "name": "Seg"])
        try #require(segment.status == 201)
        let webhook = await fs.call("POST", "/v1/webhooks", bearer: account.access,
                                    json: ["url": "http://127.0.0.1:9/hook", "events": ["flag.created"]])
        let spare = await fs.call("POST", "/v1/members/invite", bearer: account.access,
                                  json: ["email": .string("spare-\(email)"), "role": "viewer"])
        let key = await fs.call("POST", "/v1/environments/\(account.environments["production"] ?? "")/api-keys",
                                bearer: account.access, json: ["name": "k"])
        let environment = await fs.call("POST", "/v1/projects/\(account.projectID)/environments", bearer: account.access,
                                        json: ["name": "QA"])
        let requester = try await fs.member(account, role: "developer", email: "requester-\(email)")
        let approval = await fs.call("POST", "/v1/approvals", bearer: requester.access, json: [
            "project_id": .string(account.projectID), "flag_key": "f",
            "env_id": .string(account.environments["production"] ?? ""), "payload": ["enabled": true]])
        return World(account: account, webhookID: try #require(webhook["id"]?.stringValue),
                     spareMemberID: try #require(spare["id"]?.stringValue), apiKeyID: try #require(key["id"]?.stringValue),
                     spareEnvironmentID: try #require(environment["id"]?.stringValue),
                     approvalID: try #require(approval["id"]?.stringValue))
    }

    /// Every JWT route, destructive ones last (so each still has something to act on), logout at the end.
    static var memberRoutes: [Route] {
        let routes = FeatureSignalsRoutes.all.filter {
            if case .member = $0.policy.authentication { return true }
            return false
        }
        let deleteOrder = ["/v1/api-keys/", "/v1/webhooks/", "/v1/members/", "/segments/", "/flags/", "/environments/", "/v1/projects/{id}"]
        func rank(_ route: Route) -> Int {
            if route.path == "/v1/auth/logout" { return 100 }
            guard route.method == "DELETE" else { return 0 }
            return 1 + (deleteOrder.firstIndex { route.path.contains($0) } ?? 0)
        }
        return routes.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    @Test("each role reaches exactly the routes of its level", arguments: Role.allCases)
    func roleMatrix(role: Role) async throws {
        let fs = try await FSHarness()
        let world = try await Self.world(fs)
        let caller = role == .owner ? world.account.access
            : try await fs.member(world.account, role: role.rawValue, email: "\(role.rawValue)@acme.io").access
        // Every route but the three public auth routes and the five API-key routes.
        #expect(Self.memberRoutes.count == FeatureSignalsRoutes.all.count - 8)
        for route in Self.memberRoutes {
            guard case .member(let needed) = route.policy.authentication else { continue }
            let response = await fs.call(route.method, world.path(route), bearer: caller, body: world.body(route)?.jsonString)
            let label = "\(role.rawValue): \(route.method) \(route.path) → \(response.status) \(response.text)"
            if role.satisfies(needed) {
                #expect(response.status < 400, "\(label)")
            } else {
                #expect(response.status == 403, "\(label)")
                #expect(response.json == ["error": "insufficient permissions"], "\(label)")
            }
        }
    }

    @Test func anotherOrganizationsIdsAreNotFoundOnEveryRouteThatTakesOne() async throws {
        let fs = try await FSHarness()
        let victim = try await Self.world(fs)
        let intruder = try await fs.register(email: "eve@evil.io", org: "Evil")
        var checked = 0
        for route in Self.memberRoutes where route.path.contains("{") {
            let response = await fs.call(route.method, victim.path(route), bearer: intruder.access,
                                         body: victim.body(route)?.jsonString)
            #expect(response.status == 404, "\(route.method) \(route.path) → \(response.status) \(response.text)")
            checked += 1
        }
        #expect(checked >= 25)
        // Nothing of the victim's changed or leaked.
        let flags = await fs.call("GET", "/v1/projects/\(victim.account.projectID)/flags", bearer: victim.account.access)
        #expect(flags.json.arrayValue?.map { $0["key"]?.stringValue ?? "" } == ["f"])
        #expect(await fs.call("GET", "/v1/members", bearer: victim.account.access).json.arrayValue?.count == 3)
        #expect(await fs.call("GET", "/v1/approvals/\(victim.approvalID)", bearer: victim.account.access)["status"] == "pending")
        #expect(await fs.call("GET", "/v1/webhooks", bearer: victim.account.access).json.arrayValue?.count == 1)
        #expect(!(await fs.call("GET", "/v1/audit", bearer: intruder.access)).text.contains(victim.account.projectID))
        // Promote and permissions name environments in the body: another organization's are 404 too.
        try await fs.flag(intruder, ["key": "mine", "name": "Mine"])
        let promote = await fs.call("POST", "/v1/projects/\(intruder.projectID)/flags/mine/promote", bearer: intruder.access,
                                    json: ["source_env_id": .string(victim.account.environments["staging"]!),
                                           "target_env_id": .string(intruder.environments["production"]!)])
        #expect(promote.status == 404)
        // So does an approval request naming another organization's project, or its environment.
        let foreignProject = await fs.call("POST", "/v1/approvals", bearer: intruder.access, json: [
            "project_id": .string(victim.account.projectID), "flag_key": "f",
            "env_id": .string(victim.account.environments["production"]!), "payload": ["enabled": false]])
        #expect(foreignProject.status == 404, "\(foreignProject.text)")
        let foreignEnvironment = await fs.call("POST", "/v1/approvals", bearer: intruder.access, json: [
            "project_id": .string(intruder.projectID), "flag_key": "mine",
            "env_id": .string(victim.account.environments["production"]!), "payload": ["enabled": false]])
        #expect(foreignEnvironment.status == 404, "\(foreignEnvironment.text)")
        #expect(await fs.call("GET", "/v1/approvals", bearer: intruder.access).json.arrayValue?.isEmpty == true)
    }

    @Test func evaluationKeysSeeOnlyTheirEnvironment() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let b = try await fs.register(email: "b@other.io", org: "Other")
        try await fs.flag(a, ["key": "shared-name", "name": "A", "flag_type": "string", "default_value": "a"])
        try await fs.flag(b, ["key": "shared-name", "name": "B", "flag_type": "string", "default_value": "b"])
        let keyB = try await fs.apiKey(b)
        #expect(await fs.evaluate(keyB, "shared-name").value == "b")
        let client = await fs.call("GET", "/v1/client/production/flags", apiKey: keyB)
        #expect(client.json == ["shared-name": "b"])
        let wrong = await fs.call("GET", "/v1/client/staging/flags", apiKey: keyB)
        #expect(wrong.status == 403)
        #expect(wrong.json == ["error": "API key does not belong to environment staging"])
    }
}
