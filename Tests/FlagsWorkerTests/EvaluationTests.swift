import EdgeJSON
import FlagEngine
@testable import FlagsWorker
import Testing

@Suite("EdgeFlags §3: evaluation order and reasons")
struct EvaluationOrderTests {
    @Test func eachStepOfTheOrderWinsOverTheNext() async throws {
        let api = try await FlagsHarness()
        let rule: JSONValue = ["conditions": [["property": "plan", "operator": "equals", "value": "pro"]], "value": "pro-value"]
        await api.createFlag(["key": "off", "enabled": false, "value": "x"])
        await api.createFlag(["key": "env-override", "enabled": true, "value": "base",
                              "environments": ["production": ["value": "prod"]]])
        await api.createFlag(["key": "override", "enabled": true, "value": "fixed", "targeting": ["rules": [rule]]])
        await api.createFlag(["key": "targeted", "enabled": true, "targeting": ["rules": [rule], "rollout": ["percentage": 100]]])
        await api.createFlag(["key": "rolled", "enabled": true, "targeting": ["rollout": ["percentage": 100]]])
        await api.createFlag(["key": "fallback", "enabled": true, "type": "string", "defaultValue": "plain",
                              "targeting": ["rollout": ["percentage": 0]]])
        let context: JSONValue = ["user_id": "u1", "plan": "pro", "environment": "production"]
        #expect(await api.evaluate("off", context) == (false, "disabled"))
        #expect(await api.evaluate("env-override", context) == ("prod", "environment_override"))
        #expect(await api.evaluate("override", context) == ("fixed", "override"))
        #expect(await api.evaluate("targeted", context) == ("pro-value", "targeting"))
        #expect(await api.evaluate("targeted", ["user_id": "u1", "plan": "free"]) == (true, "rollout"))
        #expect(await api.evaluate("rolled", ["user_id": "u1"]) == (true, "rollout"))
        // No rollout attribute: not in the rollout.
        #expect(await api.evaluate("rolled", [:]) == (false, "default"))
        #expect(await api.evaluate("fallback", context) == ("plain", "default"))
        let typed = await api.call("GET", "/api/v1/flags/fallback")
        #expect(typed["type"] == "string")
    }

    @Test func environmentEnabledOverridesTheMasterSwitch() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true, "value": true, "environments": ["production": ["enabled": false]]])
        #expect(await api.evaluate("f", ["environment": "production"]) == (false, "disabled"))
        #expect(await api.evaluate("f", ["environment": "staging"]) == (true, "override"))
    }

    @Test func scheduleWindowFollowsTheClock() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "launch", "enabled": true, "value": "on",
                              "active_from": .string(Timestamp.format(api.clock.now + 3600)),
                              "active_until": .string(Timestamp.format(api.clock.now + 7200))])
        #expect(await api.evaluate("launch") == (false, "disabled"))
        api.clock.advance(by: 3600)
        #expect(await api.evaluate("launch") == ("on", "override"))
        api.clock.advance(by: 3601)
        #expect(await api.evaluate("launch") == (false, "disabled"))
    }

    /// (operator, rule value, context property value, expected match).
    static let operatorCases: [(String, JSONValue, JSONValue?, Bool)] = [
        ("equals", "pro", "pro", true), ("equals", "pro", "free", false), ("equals", "pro", nil, false),
        ("not_equals", "pro", "free", true), ("not_equals", "pro", nil, true),
        ("contains", "ac", "acme", true), ("not_contains", "zz", "acme", true), ("not_contains", "zz", nil, true),
        ("starts_with", "ac", "acme", true), ("ends_with", "me", "acme", true), ("ends_with", "xx", "acme", false),
        ("in", ["a", "b"], "b", true), ("in", ["a", "b"], "c", false), ("not_in", ["a"], "c", true), ("not_in", ["a"], nil, true),
        ("gt", 10, 11, true), ("gt", 10, "11", true), ("gt", 10, 10, false), ("gte", 10, 10, true),
        ("lt", 10, 9, true), ("lte", 10, 10, true), ("gt", 10, "abc", false), ("lt", 10, nil, false),
        ("regex", "^a.*e$", "acme", true), ("regex", "^b", "acme", false),
    ]

    @Test(arguments: operatorCases.indices)
    func operatorMatchesAsTheSpecSays(index: Int) async throws {
        let (op, value, property, expected) = Self.operatorCases[index]
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true, "targeting": ["rules": [[
            "conditions": [["property": "level", "operator": .string(op), "value": value]], "value": "matched"]]]])
        var custom: [String: JSONValue] = [:]
        if let property { custom["level"] = property }
        let (served, _) = await api.evaluate("f", ["custom": .object(custom)])
        #expect((served == "matched") == expected, "\(op) \(value) vs \(String(describing: property))")
    }

    @Test func hostileRegexInputStaysFast() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true, "targeting": ["rules": [[
            "conditions": [["property": "email", "operator": "regex", "value": "^(a+)+$"]], "value": "matched"]]]])
        let hostile = String(repeating: "a", count: 5000) + "!"
        let clock = ContinuousClock()
        let took = await clock.measure { _ = await api.evaluate("f", ["email": .string(hostile)]) }
        #expect(took < .seconds(2))
    }

    @Test func rolloutOf100kUsersStaysWithinTwoPoints() throws {
        for percentage in [10.0, 25.0, 50.0, 90.0] {
            let record = try #require(EdgeFlagsFlagRecord(json: ["key": "rollout", "enabled": true,
                                                                 "targeting": ["rollout": ["percentage": .number(percentage)]]]))
            let flag = try EdgeFlagsModel.flag(record)
            let ruleset = try Ruleset(flags: [flag])
            var inside = 0
            for i in 0..<100_000 {
                let result = ruleset.evaluate(flagKey: "rollout", context: EvaluationContext(targetingKey: "user-\(i)"), now: 0)
                if result.reason == .rollout { inside += 1 }
            }
            #expect(abs(Double(inside) / 1000 - percentage) <= 2, "\(percentage)%: \(inside) of 100000")
        }
    }
}

@Suite("EdgeFlags §6: bulk evaluation, the SDK contract")
struct BulkEvaluationTests {
    @Test func everyFlagAndConfigWhenNoListsAreGiven() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "a", "enabled": true, "value": 1])
        await api.createFlag(["key": "b", "enabled": false])
        _ = await api.call("POST", "/api/v1/configs", json: ["key": "c", "value": "base", "environments": ["staging": ["value": "stg"]]])
        let all = await api.call("POST", "/api/v1/evaluate", json: ["context": ["user_id": "u", "environment": "staging"]])
        #expect(all.status == 200)
        #expect(all.json == ["flags": ["a": 1, "b": false], "configs": ["c": "stg"]])
        let some = await api.call("POST", "/api/v1/evaluate", json: ["context": [:], "flags": ["a", "zzz"], "configs": []])
        #expect(some.json == ["flags": ["a": 1], "configs": [:]])
        let empty = await api.call("POST", "/api/v1/evaluate", body: "")
        #expect(empty.json == ["flags": ["a": 1, "b": false], "configs": ["c": "base"]])
    }

    @Test func eachMapNeedsItsOwnPermission() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "a", "enabled": true])
        _ = await api.call("POST", "/api/v1/configs", json: ["key": "c", "value": 1])
        let flagsOnly = await api.call("POST", "/api/v1/evaluate", token: try await api.token(["read:flags"]), json: ["context": [:]])
        #expect(flagsOnly.json == ["flags": ["a": false], "configs": [:]])
        let configsOnly = await api.call("POST", "/api/v1/evaluate", token: try await api.token(["read:configs"]), json: ["context": [:]])
        #expect(configsOnly.json == ["flags": [:], "configs": ["c": 1]])
        let neither = await api.call("POST", "/api/v1/evaluate", token: try await api.token(["write:flags"]), json: ["context": [:]])
        #expect(neither.status == 403)
    }

    @Test func oversizedContextIs413AndGetIs405() async throws {
        let api = try await FlagsHarness()
        let big = String(repeating: "x", count: 70_000)
        let response = await api.call("POST", "/api/v1/evaluate", json: ["context": ["custom": ["blob": .string(big)]]])
        #expect(response.status == 413)
        #expect(response["code"] == "PAYLOAD_TOO_LARGE")
        let get = await api.call("GET", "/api/v1/evaluate")
        #expect(get.status == 405)
        #expect(get["code"] == "METHOD_NOT_ALLOWED")
        #expect(get.headers["Allow"] == "POST")
    }

    @Test func aChangeIsVisibleToTheVeryNextRequest() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "a", "enabled": false])
        #expect(await api.call("POST", "/api/v1/evaluate", json: ["context": [:]])["flags"]?["a"] == false)
        _ = await api.call("PUT", "/api/v1/flags/a", json: ["enabled": true, "value": "now"])
        #expect(await api.call("POST", "/api/v1/evaluate", json: ["context": [:]])["flags"]?["a"] == "now")
    }
}
