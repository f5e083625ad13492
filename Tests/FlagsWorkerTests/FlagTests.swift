import EdgeJSON
@testable import FlagsWorker
import Testing

@Suite("EdgeFlags §3: flags")
struct FlagTests {
    @Test func createReturns201WithKeyAndFlagAndVersion1() async throws {
        let api = try await FlagsHarness()
        let created = await api.call("POST", "/api/v1/flags", json: ["key": "dark_mode", "enabled": true, "name": "Dark mode"])
        #expect(created.status == 201)
        #expect(created["key"] == "dark_mode")
        #expect(created["flag"]?["version"] == 1)
        #expect(created["flag"]?["created_at"]?.stringValue?.wholeMatch(of: /2026-01-15T10:30:00\.000Z/) != nil)
        let duplicate = await api.call("POST", "/api/v1/flags", json: ["key": "dark_mode", "enabled": true])
        #expect(duplicate.status == 409)
        #expect(duplicate.json == ["error": "Flag already exists", "code": "CONFLICT"])
    }

    @Test func createValidatesFieldsKeysAndTypes() async throws {
        let api = try await FlagsHarness()
        let missing = await api.call("POST", "/api/v1/flags", json: ["name": "x"])
        #expect(missing.status == 400)
        #expect(missing["error"]?.stringValue == "Missing required fields: key, enabled")
        let badKey = await api.call("POST", "/api/v1/flags", json: ["key": "Bad Key", "enabled": true])
        #expect(badKey["error"]?.stringValue == "Invalid key format: must match [a-z0-9][a-z0-9._-]{0,127}")
        let wrongType = await api.call("POST", "/api/v1/flags", json: ["key": "a", "enabled": "yes"])
        #expect(wrongType.status == 400)
        #expect(wrongType["error"]?.stringValue?.contains("enabled") == true)
        let badRegex = await api.call("POST", "/api/v1/flags", json: [
            "key": "r", "enabled": true,
            "targeting": ["rules": [["conditions": [["property": "email", "operator": "regex", "value": "(a"]], "value": true]]]])
        #expect(badRegex.status == 400)
        let longRegex = await api.call("POST", "/api/v1/flags", json: [
            "key": "r", "enabled": true,
            "targeting": ["rules": [["conditions": [["property": "email", "operator": "regex",
                                                     "value": .string(String(repeating: "a", count: 257))]], "value": true]]]])
        #expect(longRegex.status == 400)
        let badOperator = await api.call("POST", "/api/v1/flags", json: [
            "key": "r", "enabled": true,
            "targeting": ["rules": [["conditions": [["property": "plan", "operator": "like", "value": "x"]], "value": true]]]])
        #expect(badOperator.status == 400)
        let unknownEnvironment = await api.call("POST", "/api/v1/flags", json: ["key": "e", "enabled": true,
                                                                               "environments": ["moon": ["enabled": false]]])
        #expect(unknownEnvironment.status == 400)
        #expect(await api.call("GET", "/api/v1/flags").json["total"] == 0)
    }

    @Test func putMergesAndBumpsTheVersion() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true, "value": "blue", "name": "F"])
        let updated = await api.call("PUT", "/api/v1/flags/f", json: ["enabled": false])
        #expect(updated.status == 200)
        #expect(updated["flag"]?["value"] == "blue")
        #expect(updated["flag"]?["name"] == "F")
        #expect(updated["flag"]?["enabled"] == false)
        #expect(updated["flag"]?["version"] == 2)
        #expect(await api.call("PUT", "/api/v1/flags/nope", json: ["enabled": false]).status == 404)
    }

    @Test func ifMatchWithAStaleVersionIs409WithTheCurrentVersion() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true])
        #expect(await api.call("PUT", "/api/v1/flags/f", body: #"{"enabled":false}"#, headers: ["If-Match": "\"1\""]).status == 200)
        let stale = await api.call("PUT", "/api/v1/flags/f", body: #"{"enabled":true}"#, headers: ["If-Match": "\"1\""])
        #expect(stale.status == 409)
        #expect(stale.json == ["error": "Version conflict", "code": "CONFLICT", "details": ["current_version": 2]])
    }

    @Test func deleteRemovesTheFlag() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true])
        #expect(await api.call("DELETE", "/api/v1/flags/f").json == ["success": true])
        #expect(await api.call("GET", "/api/v1/flags/f").status == 404)
        #expect(await api.call("DELETE", "/api/v1/flags/f").json["error"] == "Flag not found")
    }

    @Test func listPaginatesWithTotalAndHasMore() async throws {
        let api = try await FlagsHarness()
        for i in 0..<5 { await api.createFlag(["key": .string("f\(i)"), "enabled": true]) }
        let page = await api.call("GET", "/api/v1/flags?limit=2&offset=1")
        #expect(page["total"] == 5)
        #expect(page["has_more"] == true)
        #expect(page["flags"]?.arrayValue?.map { $0["key"] } == ["f1", "f2"])
        #expect(page["flags"]?.arrayValue?.first?["flag"]?["enabled"] == true)
        let last = await api.call("GET", "/api/v1/flags?limit=2&offset=4")
        #expect(last["has_more"] == false)
        #expect(await api.call("GET", "/api/v1/flags?limit=0").status == 400)
        #expect(await api.call("GET", "/api/v1/flags?limit=201").status == 400)
        #expect(await api.call("GET", "/api/v1/flags?offset=-1").status == 400)
    }

    @Test func environmentOverridesAreSetAndRemoved() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": false])
        let set = await api.call("PUT", "/api/v1/flags/f/environments/staging", json: ["enabled": true, "value": "beta"])
        #expect(set.status == 200)
        #expect(await api.evaluate("f", ["environment": "staging"]) == ("beta", "environment_override"))
        #expect(await api.evaluate("f", ["environment": "production"]) == (false, "disabled"))
        #expect(await api.call("PUT", "/api/v1/flags/f/environments/moon", json: ["enabled": true]).status == 404)
        #expect(await api.call("DELETE", "/api/v1/flags/f/environments/staging").status == 200)
        #expect(await api.evaluate("f", ["environment": "staging"]) == (false, "disabled"))
    }

    @Test func badContextJSONIs400AndUnknownFlag404() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true])
        #expect(await api.call("GET", "/api/v1/flags/f?context=%7Bbroken").status == 400)
        #expect(await api.call("GET", "/api/v1/flags/f?context=%5B1%5D").status == 400)
        let missing = await api.call("GET", "/api/v1/flags/nope")
        #expect(missing.json == ["error": "Flag not found", "code": "NOT_FOUND"])
        let ok = await api.call("GET", "/api/v1/flags/f")
        #expect(ok.json == ["value": false, "type": "boolean", "reason": "default"])
    }
}

@Suite("EdgeFlags §4–5: configs and segments")
struct ConfigSegmentTests {
    @Test func configValueFollowsTheEnvironment() async throws {
        let api = try await FlagsHarness()
        let created = await api.call("POST", "/api/v1/configs", json: ["key": "limits", "value": ["max": 10],
                                                                       "environments": ["production": ["value": ["max": 100]]]])
        #expect(created.status == 201)
        #expect(await api.call("GET", "/api/v1/configs/limits").json == ["value": ["max": 10]])
        #expect(await api.call("GET", "/api/v1/configs/limits?environment=production").json == ["value": ["max": 100]])
        #expect(await api.call("PUT", "/api/v1/configs/limits/environments/staging", json: ["value": 5]).status == 200)
        #expect(await api.call("GET", "/api/v1/configs/limits?environment=staging").json == ["value": 5])
        #expect(await api.call("POST", "/api/v1/configs", json: ["key": "limits", "value": 1]).status == 409)
        #expect(await api.call("POST", "/api/v1/configs", json: ["key": "nothing"]).status == 400)
        let list = await api.call("GET", "/api/v1/configs")
        #expect(list["configs"]?.arrayValue?.first?["config"]?["version"] == 2)
        #expect(await api.call("DELETE", "/api/v1/configs/limits").status == 200)
        #expect(await api.call("GET", "/api/v1/configs/limits").json["error"] == "Config not found")
    }

    @Test func configWritesAnswerTheirShapesAndHonourIfMatch() async throws {
        let api = try await FlagsHarness()
        #expect(await api.call("POST", "/api/v1/configs", json: ["key": "limits", "value": ["max": 10]]).status == 201)
        // PUT merges and answers the record; If-Match of the current version passes, a stale one is 409.
        let updated = await api.call("PUT", "/api/v1/configs/limits", body: #"{"value":{"max":20}}"#, headers: ["If-Match": "\"1\""])
        #expect(updated.status == 200)
        #expect(updated["key"] == "limits")
        #expect(updated["config"]?["value"] == ["max": 20])
        #expect(updated["config"]?["version"] == 2)
        let stale = await api.call("PUT", "/api/v1/configs/limits", body: #"{"value":1}"#, headers: ["If-Match": "\"1\""])
        #expect(stale.json == ["error": "Version conflict", "code": "CONFLICT", "details": ["current_version": 2]])
        // An environment's value set, then removed: the base value shows again.
        let set = await api.call("PUT", "/api/v1/configs/limits/environments/staging", json: ["value": 5])
        #expect(set["config"]?["environments"]?["staging"] == ["value": 5])
        #expect(await api.call("GET", "/api/v1/configs/limits?environment=staging").json == ["value": 5])
        let removed = await api.call("DELETE", "/api/v1/configs/limits/environments/staging")
        #expect(removed.status == 200)
        #expect(removed["config"]?["environments"]?["staging"] == nil)
        #expect(removed["config"]?["version"] == 4)
        #expect(await api.call("GET", "/api/v1/configs/limits?environment=staging").json == ["value": ["max": 20]])
        #expect(await api.call("DELETE", "/api/v1/configs/limits/environments/nowhere").status == 404)
        #expect(await api.call("DELETE", "/api/v1/configs/limits").json == ["success": true])
        #expect(await api.call("DELETE", "/api/v1/configs/limits").status == 404)
    }

    @Test func segmentWritesAnswerTheirShapesAndHonourIfMatch() async throws {
        let api = try await FlagsHarness()
        #expect(await api.call("POST", "/api/v1/segments", json: ["key": "beta", "conditions": []]).status == 201)
        let condition: JSONValue = ["property": "plan", "operator": "equals", "value": "pro"]
        let updated = await api.call("PUT", "/api/v1/segments/beta", body: JSONValue.object(["conditions": [condition]]).jsonString,
                                     headers: ["If-Match": "\"1\""])
        #expect(updated.status == 200)
        #expect(updated["key"] == "beta")
        #expect(updated["segment"]?["conditions"] == [condition])
        #expect(updated["segment"]?["version"] == 2)
        let stale = await api.call("PUT", "/api/v1/segments/beta", body: #"{"conditions":[]}"#, headers: ["If-Match": "\"1\""])
        #expect(stale.json == ["error": "Version conflict", "code": "CONFLICT", "details": ["current_version": 2]])
        #expect(await api.call("DELETE", "/api/v1/segments/beta").json == ["success": true])
        #expect(await api.call("GET", "/api/v1/segments/beta").status == 404)
    }

    @Test func aWebhookIsDeletedOnce() async throws {
        let api = try await FlagsHarness()
        let hook = await api.call("POST", "/api/v1/webhooks", json: ["url": "https://93.184.215.14/hook", "events": ["flag.created"]])
        let id = try #require(hook["id"]?.stringValue)
        #expect(await api.call("DELETE", "/api/v1/webhooks/\(id)").json == ["success": true])
        #expect(await api.call("GET", "/api/v1/webhooks")["webhooks"] == [])
        #expect(await api.call("DELETE", "/api/v1/webhooks/\(id)").status == 404)
    }

    @Test func nestedSegmentsMatchAndCyclesAreRefused() async throws {
        let api = try await FlagsHarness()
        #expect(await api.call("POST", "/api/v1/segments", json: [
            "key": "employees", "conditions": [["property": "email", "operator": "ends_with", "value": "@acme.com"]]]).status == 201)
        #expect(await api.call("POST", "/api/v1/segments", json: [
            "key": "staff-pro", "conditions": [["property": "segment", "operator": "in", "value": ["employees"]],
                                               ["property": "plan", "operator": "equals", "value": "pro"]]]).status == 201)
        await api.createFlag(["key": "f", "enabled": true, "targeting": ["rules": [[
            "conditions": [["property": "segment", "operator": "in", "value": ["staff-pro"]]], "value": "staff"]]]])
        #expect(await api.evaluate("f", ["email": "a@acme.com", "plan": "pro"]) == ("staff", "targeting"))
        #expect(await api.evaluate("f", ["email": "a@acme.com", "plan": "free"]) == (false, "default"))
        // Listed in context.segments: a member without matching conditions.
        #expect(await api.evaluate("f", ["segments": ["staff-pro"]]) == ("staff", "targeting"))
        // employees → staff-pro → employees would loop.
        let cycle = await api.call("PUT", "/api/v1/segments/employees", json: [
            "conditions": [["property": "segment", "operator": "in", "value": ["staff-pro"]]]])
        #expect(cycle.status == 400)
        #expect(cycle["error"]?.stringValue?.contains("cycle") == true)
        let segment = await api.call("GET", "/api/v1/segments/employees")
        #expect(segment["segment"]?["version"] == 1)
        #expect(await api.call("GET", "/api/v1/segments")["total"] == 2)
    }

    @Test func segmentsNestedTooDeeplyAreRefused() async throws {
        let api = try await FlagsHarness()
        #expect(await api.call("POST", "/api/v1/segments", json: ["key": "s0", "conditions": []]).status == 201)
        var refused = false
        for depth in 1...12 {
            let response = await api.call("POST", "/api/v1/segments", json: [
                "key": .string("s\(depth)"), "conditions": [["property": "segment", "operator": "in", "value": [.string("s\(depth - 1)")]]]])
            if response.status == 400 { refused = true; break }
        }
        #expect(refused)
    }
}
