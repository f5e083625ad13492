import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

/// Issue 13 item 7: flags dropped `category` and `status`, which the reference validates, stores and returns.
@Suite("FeatureSignals §6: flags carry category and status")
struct FSFlagCategoryStatusTests {
    @Test func categoryAndStatusAreValidatedStoredAndReturnedWithTheReferencesDefaults() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let plain = try await fs.flag(a, ["key": "plain", "name": "Plain"])
        #expect(plain["category"] == "release")
        #expect(plain["status"] == "active")
        let chosen = try await fs.flag(a, ["key": "exp", "name": "Exp", "category": "experiment", "status": "rolled_out"])
        #expect(chosen["category"] == "experiment")
        #expect(chosen["status"] == "rolled_out")
        let flags = "/v1/projects/\(a.projectID)/flags"
        let got = await fs.call("GET", "\(flags)/exp", bearer: a.access)
        #expect(got["category"] == "experiment")
        #expect(got["status"] == "rolled_out")
        let listed = await fs.call("GET", flags, bearer: a.access)
        #expect(Set((listed.json.arrayValue ?? []).map { "\($0["key"]?.stringValue ?? ""):\($0["category"]?.stringValue ?? "")" })
                == ["plain:release", "exp:experiment"])

        let updated = await fs.call("PUT", "\(flags)/exp", bearer: a.access, json: ["category": "ops", "status": "archived"])
        #expect(updated.status == 200)
        #expect(updated["category"] == "ops")
        #expect(updated["status"] == "archived")
        // An empty or null value leaves the field as it is, as the reference reads it.
        let unchanged = await fs.call("PUT", "\(flags)/exp", bearer: a.access, json: ["category": "", "status": nil, "name": "Renamed"])
        #expect(unchanged["category"] == "ops")
        #expect(unchanged["status"] == "archived")

        let badCategory = await fs.call("PUT", "\(flags)/exp", bearer: a.access, json: ["category": "marketing"])
        #expect(badCategory.status == 400)
        #expect(badCategory.json == ["error": "category: must be release, experiment, ops, or permission"])
        let badStatus = await fs.call("POST", flags, bearer: a.access, json: ["key": "bad", "name": "Bad", "status": "retired"])
        #expect(badStatus.status == 400)
        #expect(badStatus.json == ["error": "status: must be active, rolled_out, deprecated, or archived"])
        #expect(await fs.call("POST", flags, bearer: a.access, json: ["key": "bad", "name": "Bad", "category": 3]).status == 400)
        #expect(await fs.call("GET", "\(flags)/bad", bearer: a.access).status == 404)
        #expect(await fs.call("GET", "\(flags)/exp", bearer: a.access)["category"] == "ops")
    }

    @Test func aFlagStoredBeforeCategoryAndStatusExistedReadsAsReleaseAndActive() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        try await fs.flag(a, ["key": "old", "name": "Old", "category": "ops", "status": "deprecated"])
        let store = RecordStore(kv: try #require(fs.env.kv["FLAGS"]))
        var record = try #require(try store.get(KeyLayout.flag(a.projectID, "old")))
        record["category"] = nil
        record["status"] = nil
        try await store.put(KeyLayout.flag(a.projectID, "old"), record)

        let got = await fs.call("GET", "/v1/projects/\(a.projectID)/flags/old", bearer: a.access)
        #expect(got.status == 200)
        #expect(got["category"] == "release")
        #expect(got["status"] == "active")
        let renamed = await fs.call("PUT", "/v1/projects/\(a.projectID)/flags/old", bearer: a.access, json: ["name": "Older"])
        #expect(renamed["category"] == "release")
        #expect(renamed["status"] == "active")
        let key = try await fs.apiKey(a)
        try await fs.state(a, "old", ["enabled": true, "default_value": true])
        #expect(await fs.evaluate(key, "old").value == true)
    }
}
