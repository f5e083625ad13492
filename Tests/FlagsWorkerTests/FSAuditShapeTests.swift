import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

/// Issue 13 item 7: audit entries lacked the reference's `resource_id`, `actor_type` and `metadata`.
@Suite("FeatureSignals §6: audit entries as the reference has them")
struct FSAuditShapeTests {
    @Test func entriesCarryResourceIDActorTypeAndMetadata() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let flagID = try #require(try await fs.flag(a, ["key": "f", "name": "F"])["id"]?.stringValue)
        try await fs.state(a, "f", ["enabled": true])
        let production = try #require(a.environments["production"])
        let key = await fs.call("POST", "/v1/environments/\(production)/api-keys", bearer: a.access, json: ["name": "k"])
        let keyID = try #require(key["id"]?.stringValue)

        let entries = try #require(await fs.call("GET", "/v1/audit", bearer: a.access).json.arrayValue)
        func entry(_ action: String) throws -> JSONValue { try #require(entries.first { $0["action"] == .string(action) }) }
        let created = try entry("flag.created"), toggled = try entry("flag.state_updated"), minted = try entry("api_key.created")
        #expect(created["resource_id"] == .string(flagID))
        #expect(created["resource_key"] == "f")
        #expect(created["actor_type"] == "user")
        #expect(created["metadata"] == [:])
        #expect(toggled["resource_id"] == .string(flagID))
        #expect(toggled["metadata"] == ["env_id": .string(production)])
        #expect(minted["resource_id"] == .string(keyID))
        #expect(minted["metadata"] == ["key_prefix": key["key_prefix"] ?? .null, "env_id": .string(production)])
        #expect(entries.allSatisfy { $0["actor_type"] == "user" })
    }

    /// Entries stored before `resource_id`, `actor_type` and `metadata` existed.
    @Test func entriesWrittenBeforeTheNewFieldsAnswerFromWhatTheyKept() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let store = RecordStore(kv: try #require(fs.env.kv["FLAGS"]))
        let millis = Int64(fs.clock.now * 1000)
        let flagID = "11111111-2222-4333-8444-555555555555"
        // A flag created by a member, and a state the scheduler switched, as they used to be stored.
        try await store.put(KeyLayout.audit(a.projectID, millis: millis, suffix: "aaaaaa"), [
            "id": "66666666-2222-4333-8444-555555555555", "timestamp": "2026-01-15T10:00:00.000Z", "actor": "owner@acme.io",
            "actor_id": .string(a.userID), "action": "create", "event": "flag.created", "resource_type": "flag",
            "resource_key": "legacy", "project_id": .string(a.projectID), "org_id": .string(a.orgID),
            "before": nil, "after": ["id": .string(flagID), "key": "legacy", "name": "Legacy"]])
        try await store.put(KeyLayout.audit(a.projectID, millis: millis - 1, suffix: "bbbbbb"), [
            "id": "77777777-2222-4333-8444-555555555555", "timestamp": "2026-01-15T10:00:01.000Z", "actor": "system",
            "action": "update", "event": "flag.state_updated", "resource_type": "flag", "resource_key": "legacy",
            "project_id": .string(a.projectID), "org_id": .string(a.orgID),
            "before": ["flag_id": .string(flagID), "enabled": false], "after": ["flag_id": .string(flagID), "enabled": true]])
        let entries = try #require(await fs.call("GET", "/v1/audit", bearer: a.access).json.arrayValue)
        let created = try #require(entries.first { $0["action"] == "flag.created" && $0["resource_key"] == "legacy" })
        #expect(created["resource_id"] == .string(flagID))
        #expect(created["actor_type"] == "user")
        #expect(created["metadata"] == [:])
        let switched = try #require(entries.first { $0["action"] == "flag.state_updated" })
        #expect(switched["resource_id"] == .string(flagID))
        #expect(switched["actor_type"] == "system")
        #expect(switched["actor"] == "system")
    }
}
