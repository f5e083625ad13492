import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// FeatureSignals §3: every management route's success shape and its listed errors.
@Suite("FeatureSignals §3: management API")
struct FSManagementTests {
    @Test func projectsAreCreatedListedFetchedAndDeletedWithEverythingInThem() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let created = await fs.call("POST", "/v1/projects", bearer: a.access, json: ["name": "Mobile App"])
        #expect(created.status == 201)
        #expect(Set(created.json.objectValue?.keys ?? [:].keys) == ["id", "org_id", "name", "slug", "created_at", "updated_at"])
        #expect(created["slug"] == "mobile-app")
        let id = try #require(created["id"]?.stringValue)
        #expect(await fs.call("POST", "/v1/projects", bearer: a.access, json: ["name": "Other", "slug": "mobile-app"]).json
            == ["error": "project slug already exists"])
        #expect(await fs.call("POST", "/v1/projects", bearer: a.access, json: ["slug": "x"]).json == ["error": "name is required"])
        #expect(await fs.call("GET", "/v1/projects", bearer: a.access).json.arrayValue?.count == 2)
        #expect(await fs.call("GET", "/v1/projects/\(id)", bearer: a.access)["name"] == "Mobile App")

        let env = await fs.call("POST", "/v1/projects/\(id)/environments", bearer: a.access, json: ["name": "QA"])
        #expect(env.status == 201)
        #expect(env["color"] == "#6B7280")
        #expect(env["slug"] == "qa")
        #expect(await fs.call("POST", "/v1/projects/\(id)/environments", bearer: a.access, json: ["name": "qa"]).json
            == ["error": "environment slug already exists in this project"])
        let envID = try #require(env["id"]?.stringValue)
        _ = await fs.call("POST", "/v1/projects/\(id)/flags", bearer: a.access, json: ["key": "f", "name": "F"])
        _ = await fs.call("PUT", "/v1/projects/\(id)/flags/f/environments/\(envID)", bearer: a.access, json: ["enabled": true])
        let key = await fs.call("POST", "/v1/environments/\(envID)/api-keys", bearer: a.access, json: ["name": "k"])
        let apiKey = try #require(key["key"]?.stringValue)
        #expect(await fs.evaluate(apiKey, "f").reason == "FALLTHROUGH")

        let deleted = await fs.call("DELETE", "/v1/projects/\(id)", bearer: a.access)
        #expect(deleted.status == 204)
        #expect(await fs.call("GET", "/v1/projects/\(id)", bearer: a.access).json == ["error": "project not found"])
        #expect(await fs.evaluate(apiKey, "f").reason == nil)  // the key went with its environment
        #expect(try fs.env.kv["FLAGS"]?.list(prefix: "flag:\(id):").keys.isEmpty == true)
        #expect(try fs.env.kv["FLAGS"]?.list(prefix: "flagstate:\(id):").keys.isEmpty == true)
        #expect(await fs.call("GET", "/v1/projects", bearer: a.access).json.arrayValue?.count == 1)
    }

    @Test func deletingAnEnvironmentTakesItsStatesAndKeys() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let key = try await fs.apiKey(a, env: "staging")
        try await fs.flag(a, ["key": "f", "name": "F"])
        try await fs.state(a, "f", env: "staging", ["enabled": true])
        let staging = try #require(a.environments["staging"])
        #expect(await fs.call("DELETE", "/v1/projects/\(a.projectID)/environments/\(staging)", bearer: a.access).status == 204)
        #expect(await fs.evaluate(key, "f").reason == nil)
        let environments = await fs.call("GET", "/v1/projects/\(a.projectID)/environments", bearer: a.access)
        #expect(environments.json.arrayValue?.count == 2)
        let project = try #require(try fs.env.kv["FLAGS"]?.getJSON("project:\(a.projectID)"))
        #expect(project["environments"] == ["dev", "production"])
    }

    @Test func flagsHaveCRUDWithTheSpecsErrors() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let base = "/v1/projects/\(a.projectID)/flags"
        let created = await fs.call("POST", base, bearer: a.access, json: [
            "key": "checkout", "name": "Checkout", "description": "new flow", "flag_type": "string", "default_value": "old",
            "tags": ["web"]])
        #expect(created.status == 201)
        for field in ["id", "project_id", "key", "name", "description", "flag_type", "default_value", "tags", "prerequisites",
                      "mutual_exclusion_group", "created_at", "updated_at"] {
            #expect(created[field] != nil, "\(field)")
        }
        let defaults = await fs.call("POST", base, bearer: a.access, json: ["key": "plain", "name": "Plain"])
        #expect(defaults["flag_type"] == "boolean")
        #expect(await fs.call("POST", base, bearer: a.access, json: ["key": "checkout", "name": "Again"]).json
            == ["error": "flag key already exists in this project"])
        #expect(await fs.call("POST", base, bearer: a.access, json: ["name": "No key"]).json == ["error": "key and name are required"])
        #expect(await fs.call("POST", base, bearer: a.access, json: ["key": "x"]).json == ["error": "key and name are required"])
        #expect(await fs.call("POST", base, bearer: a.access, json: ["key": "x", "name": "X", "flag_type": "colour"]).status == 400)
        #expect(await fs.call("POST", base, bearer: a.access, body: #"{"key":"x","name":"X","tags":"web"}"#).json
            == ["error": "invalid request body"])

        let listed = await fs.call("GET", base, bearer: a.access)
        #expect(listed.json.arrayValue?.compactMap { $0["key"]?.stringValue }.sorted() == ["checkout", "plain"])
        let updated = await fs.call("PUT", "\(base)/checkout", bearer: a.access, json: ["name": "Checkout v2"])
        #expect(updated.status == 200)
        #expect(updated["name"] == "Checkout v2")
        #expect(updated["default_value"] == "old")
        #expect(updated["description"] == "new flow")
        #expect(await fs.call("GET", "\(base)/checkout", bearer: a.access)["name"] == "Checkout v2")
        #expect(await fs.call("GET", "\(base)/missing", bearer: a.access).json == ["error": "flag not found"])
        #expect(await fs.call("PUT", "\(base)/missing", bearer: a.access, json: ["name": "x"]).status == 404)
        #expect(await fs.call("DELETE", "\(base)/checkout", bearer: a.access).status == 204)
        #expect(await fs.call("DELETE", "\(base)/checkout", bearer: a.access).status == 404)
    }

    @Test func aFlagStateIsAPartialUpsertPerEnvironment() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        try await fs.flag(a, ["key": "f", "name": "F"])
        let production = try #require(a.environments["production"])
        let path = "/v1/projects/\(a.projectID)/flags/f/environments/\(production)"
        let empty = await fs.call("GET", path, bearer: a.access)
        #expect(empty.status == 200)
        #expect(empty["enabled"] == false)
        #expect(empty["rules"] == [])
        let first = await fs.call("PUT", path, bearer: a.access, json: [
            "enabled": true, "percentage_rollout": 2500,
            "rules": [["priority": 1, "conditions": [["attribute": "plan", "operator": "eq", "values": ["pro"]]], "value": true]]])
        #expect(first.status == 200)
        let second = await fs.call("PUT", path, bearer: a.access, json: ["enabled": false])
        #expect(second["percentage_rollout"] == 2500)
        #expect(second["rules"]?.arrayValue?.count == 1)
        #expect(second["enabled"] == false)
        for body in [#"{"percentage_rollout":10001}"#, #"{"rules":[{"conditions":[{"attribute":"a","operator":"like","values":[]}]}]}"#,
                     #"{"rules":[{"conditions":[{"attribute":"a","operator":"regex","values":["(a"]}]}]}"#,
                     #"{"variants":[{"key":"a","weight":6000},{"key":"b","weight":6000}]}"#, #"{"enabled":"yes"}"#, "[]"] {
            #expect(await fs.call("PUT", path, bearer: a.access, body: body).status == 400, "\(body)")
        }
        let staging = try #require(a.environments["staging"])
        #expect(await fs.call("GET", "/v1/projects/\(a.projectID)/flags/f/environments/\(staging)", bearer: a.access)["enabled"] == false)
        #expect(await fs.call("GET", "/v1/projects/\(a.projectID)/flags/nope/environments/\(staging)", bearer: a.access).json
            == ["error": "flag not found"])
    }

    @Test func promoteCopiesTheStateAndKillTurnsItOff() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        try await fs.flag(a, ["key": "f", "name": "F", "flag_type": "string", "default_value": "off"])
        try await fs.state(a, "f", env: "staging", ["enabled": true, "default_value": "on", "percentage_rollout": 10000,
                                                    "rules": [["conditions": [], "value": "ruled"]]])
        let key = try await fs.apiKey(a)
        #expect(await fs.evaluate(key, "f").reason == "DISABLED")
        let promoted = await fs.call("POST", "/v1/projects/\(a.projectID)/flags/f/promote", bearer: a.access, json: [
            "source_env_id": .string(a.environments["staging"]!), "target_env_id": .string(a.environments["production"]!)])
        #expect(promoted.status == 200)
        #expect(promoted["enabled"] == true)
        #expect(promoted["env_id"] == .string(a.environments["production"]!))
        #expect(await fs.evaluate(key, "f").value == "ruled")
        let killed = await fs.call("POST", "/v1/projects/\(a.projectID)/flags/f/kill", bearer: a.access,
                                   json: ["env_id": .string(a.environments["production"]!)])
        #expect(killed.status == 200)
        #expect(killed["enabled"] == false)
        let after = await fs.evaluate(key, "f")
        #expect(after.value == "off")
        #expect(after.reason == "DISABLED")
        #expect(await fs.call("POST", "/v1/projects/\(a.projectID)/flags/f/kill", bearer: a.access, json: [:]).status == 400)
    }

    @Test func segmentsHaveCRUDAndRulesUseThem() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let base = "/v1/projects/\(a.projectID)/segments"
        let created = await fs.call("POST", base, bearer: a.access, json: [
            "key": "beta", "name": "Beta", "match_type": "any",
            "rules": [["attribute": "email", "operator": "endsWith", "values": ["@beta.io"]],
                      ["attribute": "tier", "operator": "eq", "values": ["beta"]]]])
        #expect(created.status == 201)
        #expect(created["match_type"] == "any")
        #expect(await fs.call("POST", base, bearer: a.access, json: ["key": "beta", "name": "Again"]).json
            == ["error": "segment key already exists in this project"])
        #expect(await fs.call("POST", base, bearer: a.access, json: ["key": "x", "name": "X", "match_type": "some"]).status == 400)
        try await fs.flag(a, ["key": "f", "name": "F"])
        try await fs.state(a, "f", ["enabled": true, "rules": [["segment_keys": ["beta"], "conditions": [], "value": true]]])
        let key = try await fs.apiKey(a)
        #expect(await fs.evaluate(key, "f", attributes: ["tier": "beta"]).value == true)
        #expect(await fs.evaluate(key, "f", attributes: ["tier": "ga"]).value == false)
        let updated = await fs.call("PUT", "\(base)/beta", bearer: a.access, json: ["rules": [
            ["attribute": "tier", "operator": "eq", "values": ["ga"]]]])
        #expect(updated.status == 200)
        #expect(updated["name"] == "Beta")
        #expect(await fs.evaluate(key, "f", attributes: ["tier": "ga"]).value == true)
        #expect(await fs.call("GET", base, bearer: a.access).json.arrayValue?.count == 1)
        #expect(await fs.call("GET", "\(base)/beta", bearer: a.access)["key"] == "beta")
        #expect(await fs.call("DELETE", "\(base)/beta", bearer: a.access).status == 204)
        #expect(await fs.call("GET", "\(base)/beta", bearer: a.access).json == ["error": "segment not found"])
        #expect(await fs.evaluate(key, "f", attributes: ["tier": "ga"]).value == false)
    }

    @Test func apiKeysAreShownOnceHashedBoundAndRevokedAtOnce() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let production = try #require(a.environments["production"])
        let created = await fs.call("POST", "/v1/environments/\(production)/api-keys", bearer: a.access,
                                    json: ["name": "web", "type": "client"])
        #expect(created.status == 201)
        #expect(Set(created.json.objectValue?.keys ?? [:].keys) == ["id", "key", "key_prefix", "name", "type", "env_id", "created_at"])
        let key = try #require(created["key"]?.stringValue)
        #expect(key.hasPrefix("fs_cli_") && key.count == 55)
        #expect(key.dropFirst(7).allSatisfy { $0.isHexDigit && !$0.isUppercase })
        #expect(created["key_prefix"] == .string(String(key.prefix(12))))
        let server = try await fs.apiKey(a)
        #expect(server.hasPrefix("fs_srv_"))
        #expect(await fs.call("POST", "/v1/environments/\(production)/api-keys", bearer: a.access,
                              json: ["name": "x", "type": "admin"]).status == 400)

        let stored = try fs.env.kv["TOKENS"]?.list(prefix: "apikey:").keys.map(\.name) ?? []
        #expect(stored.contains("apikey:" + TokenStore.hash(key)))
        let listed = await fs.call("GET", "/v1/environments/\(production)/api-keys", bearer: a.access)
        #expect(listed.json.arrayValue?.count == 2)
        #expect(!listed.text.contains(key) && !listed.text.contains(TokenStore.hash(key)))
        #expect(listed.json.arrayValue?.allSatisfy { $0["key"] == nil } == true)

        try await fs.flag(a, ["key": "f", "name": "F"])
        #expect(await fs.evaluate(key, "f").reason == "DISABLED")
        let revoked = await fs.call("DELETE", "/v1/api-keys/\(created["id"]?.stringValue ?? "")", bearer: a.access)
        #expect(revoked.status == 204)
        let refused = await fs.call("POST", "/v1/evaluate", apiKey: key, json: ["flag_key": "f", "context": ["key": "u"]])
        #expect(refused.status == 401)
        #expect(refused.json == ["error": "invalid API key"])
        #expect(await fs.evaluate(server, "f").reason == "DISABLED")
        #expect(await fs.call("DELETE", "/v1/api-keys/\(created["id"]?.stringValue ?? "")", bearer: a.access).status == 404)
    }

    @Test func lastUsedAtIsWrittenAfterTheResponse() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let key = try await fs.apiKey(a)
        let production = try #require(a.environments["production"])
        #expect(await fs.call("GET", "/v1/environments/\(production)/api-keys", bearer: a.access).json.arrayValue?.first?["last_used_at"] == .null)
        _ = await fs.evaluate(key, "anything")
        await fs.base.harness.settle()
        let listed = await fs.call("GET", "/v1/environments/\(production)/api-keys", bearer: a.access)
        #expect(listed.json.arrayValue?.first?["last_used_at"]?.stringValue != nil)
    }

    @Test func theAuditLogIsNewestFirstAndOrganizationScoped() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let b = try await fs.register(email: "b@other.io", org: "Other")
        try await fs.flag(a, ["key": "first", "name": "First"])
        fs.clock.advance(by: 1)
        try await fs.flag(a, ["key": "second", "name": "Second"])
        fs.clock.advance(by: 1)
        try await fs.state(a, "second", ["enabled": true])
        try await fs.flag(b, ["key": "theirs", "name": "Theirs"])
        let log = await fs.call("GET", "/v1/audit", bearer: a.access)
        #expect(log.status == 200)
        let entries = try #require(log.json.arrayValue)
        #expect(entries.map { $0["action"]?.stringValue ?? "" }.prefix(3) == ["flag.state_updated", "flag.created", "flag.created"])
        #expect(entries.prefix(3).map { $0["resource_key"]?.stringValue ?? "" } == ["second", "second", "first"])
        #expect(!log.text.contains("theirs"))
        #expect(entries.first?["actor_id"] == .string(a.userID))
        #expect(entries.first?["after_state"]?["enabled"] == true)
        let page = await fs.call("GET", "/v1/audit?limit=1&offset=1", bearer: a.access)
        #expect(page.json.arrayValue?.count == 1)
        #expect(page.json.arrayValue?.first?["resource_key"] == "second")
        #expect(await fs.call("GET", "/v1/audit?limit=0", bearer: a.access).status == 400)
    }

    @Test func webhooksAreSignedDeliveredAndLogged() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let created = await fs.call("POST", "/v1/webhooks", bearer: a.access, json: [
            "name": "ci", "url": "http://127.0.0.1:9/hook", "secret": "s3cret", "events": ["flag.created", "flag.killed"]])
        #expect(created.status == 201)
        #expect(created["has_secret"] == true)
        #expect(created["secret"] == nil)
        let id = try #require(created["id"]?.stringValue)
        // Any event name is taken since issue 13 (FSReferenceParityTests); an empty one is not.
        #expect(await fs.call("POST", "/v1/webhooks", bearer: a.access, json: ["url": "http://127.0.0.1:9/other", "events": [""]]).status == 400)
        #expect(await fs.call("GET", "/v1/webhooks", bearer: a.access).json.arrayValue?.count == 1)
        #expect(!(await fs.call("GET", "/v1/webhooks/\(id)", bearer: a.access)).text.contains("s3cret"))

        try await fs.flag(a, ["key": "f", "name": "F"])
        await fs.base.harness.settle()
        let sent = try #require(fs.base.fetches.all.last)
        #expect(sent.target == "http://127.0.0.1:9/hook")
        let expected = "sha256=" + WebhookDelivery.signature(secret: "s3cret", body: sent.body)
        #expect(sent.headers["X-FeatureSignals-Signature"] == expected)
        #expect(try JSONValue.parse(sent.body)["event"] == "flag.created")
        try await fs.state(a, "f", ["enabled": true])  // not subscribed
        await fs.base.harness.settle()
        #expect(fs.base.fetches.all.count == 1)

        let deliveries = await fs.call("GET", "/v1/webhooks/\(id)/deliveries", bearer: a.access)
        #expect(deliveries.json.arrayValue?.count == 1)
        #expect(deliveries.json.arrayValue?.first?["success"] == true)
        #expect(deliveries.json.arrayValue?.first?["event_type"] == "flag.created")
        #expect(deliveries.json.arrayValue?.first?["response_status"] == 200)

        let updated = await fs.call("PUT", "/v1/webhooks/\(id)", bearer: a.access, json: ["enabled": false])
        #expect(updated["enabled"] == false)
        _ = await fs.call("POST", "/v1/projects/\(a.projectID)/flags/f/kill", bearer: a.access,
                          json: ["env_id": .string(a.environments["production"]!)])
        await fs.base.harness.settle()
        #expect(fs.base.fetches.all.count == 1)
        #expect(await fs.call("DELETE", "/v1/webhooks/\(id)", bearer: a.access).status == 204)
        #expect(await fs.call("GET", "/v1/webhooks/\(id)", bearer: a.access).json == ["error": "webhook not found"])
    }

    @Test func membersHaveRolesAndTheOwnerRulesHold() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let invited = await fs.call("POST", "/v1/members/invite", bearer: a.access,
                                    json: ["email": "dev@acme.io", "role": "developer", "password": "dev-password"])
        #expect(invited.status == 201)
        #expect(invited["role"] == "developer")
        #expect(invited["email"] == "dev@acme.io")
        let devID = try #require(invited["id"]?.stringValue)
        #expect(await fs.call("POST", "/v1/members/invite", bearer: a.access, json: ["email": "dev@acme.io", "role": "viewer"]).status == 409)
        #expect(await fs.call("POST", "/v1/members/invite", bearer: a.access, json: ["email": "x@acme.io", "role": "king"]).status == 400)
        #expect(await fs.call("GET", "/v1/members", bearer: a.access).json.arrayValue?.count == 2)

        let self_ = await fs.call("DELETE", "/v1/members/\(a.userID)", bearer: a.access)
        #expect(self_.status == 400)
        #expect(self_.json == ["error": "cannot remove yourself"])
        let demote = await fs.call("PUT", "/v1/members/\(a.userID)", bearer: a.access, json: ["role": "admin"])
        #expect(demote.status == 400)
        #expect(demote.json == ["error": "cannot demote the last owner"])

        let dev = try await fs.login("dev@acme.io", "dev-password")
        #expect(await fs.call("GET", "/v1/projects", bearer: dev.access).status == 200)
        let promoted = await fs.call("PUT", "/v1/members/\(devID)", bearer: a.access, json: ["role": "viewer"])
        #expect(promoted["role"] == "viewer")
        // The role is read per request: the demoted developer can no longer write at once.
        #expect(await fs.call("POST", "/v1/projects", bearer: dev.access, json: ["name": "P"]).status == 403)
        #expect(await fs.call("DELETE", "/v1/members/\(devID)", bearer: a.access).status == 204)
        #expect(await fs.call("GET", "/v1/projects", bearer: dev.access).status == 401)
        #expect(await fs.call("POST", "/v1/auth/login", json: ["email": "dev@acme.io", "password": "dev-password"]).status == 401)
    }

    @Test func anAdminCannotTouchOwnersAndAnotherOwnerCanBeRemovedByAnOwner() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let admin = try await fs.member(a, role: "admin", email: "admin@acme.io")
        let second = try await fs.member(a, role: "viewer", email: "second@acme.io")
        #expect(await fs.call("PUT", "/v1/members/\(second.id)", bearer: admin.access, json: ["role": "owner"]).status == 403)
        #expect(await fs.call("DELETE", "/v1/members/\(a.userID)", bearer: admin.access).status == 403)
        #expect(await fs.call("PUT", "/v1/members/\(second.id)", bearer: a.access, json: ["role": "owner"])["role"] == "owner")
        #expect(await fs.call("DELETE", "/v1/members/\(second.id)", bearer: a.access).status == 204)
    }

    @Test func developerPermissionsLimitTogglesAndRulesPerEnvironment() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let dev = try await fs.member(a, role: "developer", email: "dev@acme.io")
        try await fs.flag(a, ["key": "f", "name": "F"])
        let production = try #require(a.environments["production"]), staging = try #require(a.environments["staging"])
        let set = await fs.call("PUT", "/v1/members/\(dev.id)/permissions", bearer: a.access, json: [
            ["env_id": .string(production), "can_toggle": true, "can_edit_rules": false]])
        #expect(set.status == 200)
        #expect(await fs.call("GET", "/v1/members/\(dev.id)/permissions", bearer: dev.access).json == set.json)
        let path = "/v1/projects/\(a.projectID)/flags/f/environments/"
        #expect(await fs.call("PUT", path + production, bearer: dev.access, json: ["enabled": true]).status == 200)
        let rules = await fs.call("PUT", path + production, bearer: dev.access, json: ["percentage_rollout": 100])
        #expect(rules.status == 403)
        #expect(rules.json == ["error": "insufficient permissions"])
        #expect(await fs.call("PUT", path + staging, bearer: dev.access, json: ["percentage_rollout": 100]).status == 200)
        #expect(await fs.call("PUT", "/v1/members/\(dev.id)/permissions", bearer: dev.access, json: []).status == 403)
        #expect(await fs.call("PUT", "/v1/members/\(dev.id)/permissions", bearer: a.access,
                              json: [["env_id": "00000000-0000-4000-8000-000000000000"]]).status == 404)
    }

    @Test func unknownRoutesMethodsAndBadBodiesAreClear4xxInTheDialect() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        #expect(await fs.call("GET", "/v1/nothing", bearer: a.access).json == ["error": "not found"])
        let method = await fs.call("PATCH", "/v1/projects", bearer: a.access)
        #expect(method.status == 405)
        #expect(method.json == ["error": "method not allowed"])
        #expect(method.headers["Allow"]?.contains("GET") == true)
        let badUTF8 = await fs.base.harness.dispatch(Request(method: "POST", target: "/v1/projects",
                                                             headers: ["Authorization": "Bearer \(a.access)"],
                                                             body: [0x7B, 0x22, 0xFF, 0xFE, 0x22, 0x7D]))
        #expect(badUTF8.status == 400)
        #expect(badUTF8.bodyText == #"{"error":"invalid request body"}"#)
        let deep = String(repeating: "[", count: 500)
        #expect(await fs.call("POST", "/v1/projects", bearer: a.access, body: deep).status == 400)
        #expect(await fs.call("POST", "/v1/projects", bearer: a.access, body: #"{"name":5}"#).json == ["error": "invalid request body"])
        #expect(await fs.call("GET", "/v1/projects/not-a-uuid", bearer: a.access).status == 404)
        // EdgeFlags keeps its own error shape beside it.
        #expect(await fs.call("GET", "/api/v1/nothing")["code"] == "NOT_FOUND")
    }

    @Test func anApprovedRequestIsAppliedAndARejectedOneIsNot() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let dev = try await fs.member(a, role: "developer", email: "dev@acme.io")
        try await fs.flag(a, ["key": "f", "name": "F"])
        let key = try await fs.apiKey(a)
        let production = JSONValue.string(a.environments["production"]!)
        func request(_ payload: JSONValue) async -> APIResponse {
            await fs.call("POST", "/v1/approvals", bearer: dev.access, json: [
                "project_id": .string(a.projectID), "flag_key": "f", "env_id": production, "payload": payload, "note": "launch"])
        }
        let created = await request(["enabled": true, "default_value": true])
        #expect(created.status == 201)
        #expect(created["status"] == "pending")
        #expect(created["requested_by"] == .string(dev.id))
        #expect(await fs.evaluate(key, "f").reason == "DISABLED")  // nothing applied yet
        let id = try #require(created["id"]?.stringValue)
        let own = await fs.call("POST", "/v1/approvals/\(id)/review", bearer: dev.access, json: ["action": "approve"])
        #expect(own.status == 403)  // developers do not review
        let approved = await fs.call("POST", "/v1/approvals/\(id)/review", bearer: a.access, json: ["action": "approve"])
        #expect(approved["status"] == "applied")
        #expect(approved["reviewed_by"] == .string(a.userID))
        #expect(await fs.evaluate(key, "f").value == true)
        #expect(await fs.call("POST", "/v1/approvals/\(id)/review", bearer: a.access, json: ["action": "reject"]).status == 409)

        let second = try #require(await request(["enabled": false])["id"]?.stringValue)
        let rejected = await fs.call("POST", "/v1/approvals/\(second)/review", bearer: a.access,
                                     json: ["action": "reject", "note": "not now"])
        #expect(rejected["status"] == "rejected")
        #expect(await fs.evaluate(key, "f").value == true)
        let mine = await fs.call("POST", "/v1/approvals", bearer: a.access, json: [
            "project_id": .string(a.projectID), "flag_key": "f", "env_id": production, "payload": ["enabled": false]])
        let self_ = await fs.call("POST", "/v1/approvals/\(mine["id"]?.stringValue ?? "")/review", bearer: a.access,
                                  json: ["action": "approve"])
        #expect(self_.json == ["error": "cannot review your own approval request"])
        #expect(await fs.call("GET", "/v1/approvals?status=pending", bearer: dev.access).json.arrayValue?.count == 1)
        #expect(await fs.call("GET", "/v1/approvals", bearer: dev.access).json.arrayValue?.count == 3)
        #expect(await request(["colour": "red"]).status == 400)
        #expect(await fs.call("POST", "/v1/approvals", bearer: dev.access, json: [
            "project_id": .string(a.projectID), "flag_key": "ghost", "env_id": production, "payload": ["enabled": true]]).status == 404)
    }

    @Test func openAPIAndDocsDescribeEveryFeatureSignalsRoute() async throws {
        let fs = try await FSHarness()
        let document = await fs.call("GET", "/openapi.json")
        let paths = try #require(document["paths"]?.objectValue)
        for route in FeatureSignalsRoutes.all {
            let operation = try #require(paths[route.path]?[route.method.lowercased()], "\(route.method) \(route.path)")
            switch route.policy.authentication {
            case .apiKey: #expect(operation["security"] == [["apiKey": []]], "\(route.path)")
            case .member: #expect(operation["security"] == [["jwt": []]], "\(route.path)")
            default: #expect(operation["security"] == nil, "\(route.path)")
            }
        }
        #expect(document["components"]?["securitySchemes"]?["apiKey"]?["name"] == "X-API-Key")
        let ids = paths.values.flatMap { ($0.objectValue ?? [:]).values.compactMap { $0["operationId"]?.stringValue } }
        #expect(Set(ids).count == ids.count)
        let docs = await fs.call("GET", "/docs")
        #expect(docs.text.contains("X-API-Key"))
    }
}
