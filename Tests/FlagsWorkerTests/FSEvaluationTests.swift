import EdgeJSON
import EdgeWorker
import FlagEngine
import Foundation
@testable import FlagsWorker
import Testing

/// FeatureSignals §5 through the API: each reason in the spec's order, schedules (between cron
/// ticks and applied by the cron), bucketing, the evaluation errors, and the bridge to EdgeFlags.
@Suite("FeatureSignals §5: evaluation")
struct FSEvaluationTests {
    func setUp() async throws -> (FSHarness, FSAccount, String) {
        let fs = try await FSHarness()
        let account = try await fs.register()
        return (fs, account, try await fs.apiKey(account))
    }

    @Test func notFoundDisabledTargetedFallthrough() async throws {
        let (fs, a, key) = try await setUp()
        let missing = await fs.evaluate(key, "nope")
        #expect(missing.value == .null)
        #expect(missing.reason == "NOT_FOUND")
        try await fs.flag(a, ["key": "f", "name": "F", "flag_type": "string", "default_value": "flag-default"])
        #expect(await fs.evaluate(key, "f").reason == "DISABLED")  // no state in production
        try await fs.state(a, "f", ["enabled": false, "default_value": "state-default"])
        let disabled = await fs.evaluate(key, "f")
        #expect(disabled.value == "flag-default")
        #expect(disabled.reason == "DISABLED")
        try await fs.state(a, "f", ["enabled": true, "rules": [
            ["priority": 2, "conditions": [["attribute": "plan", "operator": "eq", "values": ["pro"]]], "value": "second"],
            ["priority": 1, "conditions": [["attribute": "key", "operator": "startsWith", "values": ["vip-"]]], "value": "first"]]])
        let targeted = await fs.evaluate(key, "f", key: "vip-1", attributes: ["plan": "pro"])
        #expect(targeted.value == "first")
        #expect(targeted.reason == "TARGETED")
        #expect(await fs.evaluate(key, "f", attributes: ["plan": "pro"]).value == "second")
        let nothingApplies = await fs.evaluate(key, "f")
        #expect(nothingApplies.value == "state-default")
        #expect(nothingApplies.reason == "FALLTHROUGH")
    }

    @Test func anExpiredFlagServesItsDefaultDisabled() async throws {
        let (fs, a, key) = try await setUp()
        try await fs.flag(a, ["key": "f", "name": "F", "flag_type": "string", "default_value": "old",
                              "expires_at": .string(Timestamp.format(fs.clock.now + 60))])
        try await fs.state(a, "f", ["enabled": true, "default_value": "new"])
        #expect(await fs.evaluate(key, "f").value == "new")
        fs.clock.advance(by: 61)
        let expired = await fs.evaluate(key, "f")
        #expect(expired.value == "old")
        #expect(expired.reason == "DISABLED")
    }

    @Test func mutualExclusionLetsOnlyTheLowestBucketWin() async throws {
        let (fs, a, key) = try await setUp()
        for name in ["exp-a", "exp-b"] {
            try await fs.flag(a, ["key": .string(name), "name": .string(name), "mutual_exclusion_group": "checkout"])
            try await fs.state(a, name, ["enabled": true, "default_value": true])
        }
        var winners: [String: Int] = [:]
        for user in 0..<200 {
            let results = [await fs.evaluate(key, "exp-a", key: "u\(user)"), await fs.evaluate(key, "exp-b", key: "u\(user)")]
            #expect(results.filter { $0.reason == "MUTUALLY_EXCLUDED" }.count == 1, "user u\(user)")
            let excluded = results.first { $0.reason == "MUTUALLY_EXCLUDED" }
            #expect(excluded?.value == false)  // the flag default
            let bucketA = Bucketing.bucket(flagKey: "exp-a", value: "u\(user)")
            let bucketB = Bucketing.bucket(flagKey: "exp-b", value: "u\(user)")
            let expected = bucketA <= bucketB ? "exp-a" : "exp-b"
            #expect((results[0].reason != "MUTUALLY_EXCLUDED" ? "exp-a" : "exp-b") == expected, "user u\(user)")
            winners[expected, default: 0] += 1
        }
        #expect(winners.count == 2)
    }

    @Test func prerequisitesAndACycleFail() async throws {
        let (fs, a, key) = try await setUp()
        try await fs.flag(a, ["key": "base", "name": "Base"])
        try await fs.flag(a, ["key": "child", "name": "Child", "flag_type": "string", "default_value": "no",
                              "prerequisites": ["base"]])
        try await fs.state(a, "child", ["enabled": true, "default_value": "yes"])
        let failed = await fs.evaluate(key, "child")
        #expect(failed.value == "no")
        #expect(failed.reason == "PREREQUISITE_FAILED")
        try await fs.state(a, "base", ["enabled": true, "default_value": false])
        #expect(await fs.evaluate(key, "child").reason == "PREREQUISITE_FAILED")  // serves false
        try await fs.state(a, "base", ["default_value": true])
        #expect(await fs.evaluate(key, "child").value == "yes")

        try await fs.flag(a, ["key": "x", "name": "X", "prerequisites": ["y"]])
        try await fs.flag(a, ["key": "y", "name": "Y", "prerequisites": ["x"]])
        for name in ["x", "y"] { try await fs.state(a, name, ["enabled": true, "default_value": true]) }
        #expect(await fs.evaluate(key, "x").reason == "PREREQUISITE_FAILED")
        #expect(await fs.evaluate(key, "y").reason == "PREREQUISITE_FAILED")
        #expect(await fs.call("PUT", "/v1/projects/\(a.projectID)/flags/x", bearer: a.access, json: ["prerequisites": ["x"]]).status == 400)
    }

    @Test func rulePercentagesAndTheFlagRolloutBucketByTheSpecsHash() async throws {
        let (fs, a, key) = try await setUp()
        // rollout-flag / user-1 → bucket 2120 (the spec's vector).
        #expect(Bucketing.bucket(flagKey: "rollout-flag", value: "user-1") == 2120)
        try await fs.flag(a, ["key": "rollout-flag", "name": "R", "flag_type": "string", "default_value": "flag-default"])
        try await fs.state(a, "rollout-flag", ["enabled": true, "default_value": "state-default", "percentage_rollout": 2121])
        let inside = await fs.evaluate(key, "rollout-flag", key: "user-1")
        #expect(inside.value == "state-default")
        #expect(inside.reason == "ROLLOUT")
        try await fs.state(a, "rollout-flag", ["percentage_rollout": 2120])
        let outside = await fs.evaluate(key, "rollout-flag", key: "user-1")
        #expect(outside.value == "flag-default")
        #expect(outside.reason == "FALLTHROUGH")

        try await fs.state(a, "rollout-flag", ["percentage_rollout": 0, "rules": [["conditions": [], "percentage": 2121, "value": "rule"]]])
        let ruled = await fs.evaluate(key, "rollout-flag", key: "user-1")
        #expect(ruled.value == "rule")
        #expect(ruled.reason == "ROLLOUT")
        try await fs.state(a, "rollout-flag", ["rules": [["conditions": [], "percentage": 2120, "value": "rule"]]])
        #expect(await fs.evaluate(key, "rollout-flag", key: "user-1").reason == "FALLTHROUGH")
        // Decided: a rule without a percentage serves everyone it matches.
        try await fs.state(a, "rollout-flag", ["rules": [["conditions": [], "value": "everyone"]]])
        #expect(await fs.evaluate(key, "rollout-flag", key: "user-1").reason == "TARGETED")
    }

    @Test func variantsWalkCumulativeWeights() async throws {
        let (fs, a, key) = try await setUp()
        try await fs.flag(a, ["key": "exp", "name": "Exp", "flag_type": "ab", "default_value": "control"])
        try await fs.state(a, "exp", ["enabled": true, "variants": [
            ["key": "control", "weight": 5000, "value": "A"], ["key": "treatment", "weight": 5000, "value": "B"]]])
        var counts: [String: Int] = [:]
        for user in 0..<400 {
            let result = await fs.evaluate(key, "exp", key: "u\(user)")
            #expect(result.reason == "VARIANT")
            let bucket = Bucketing.bucket(flagKey: "exp", value: "u\(user)")
            #expect(result.variant == (bucket < 5000 ? "control" : "treatment"))
            #expect(result.value == (bucket < 5000 ? "A" : "B"))
            counts[result.variant ?? "", default: 0] += 1
        }
        #expect(counts.values.allSatisfy { $0 > 150 })
        // A rollout stops before variants: outside it is the flag default, FALLTHROUGH.
        try await fs.state(a, "exp", ["percentage_rollout": 1])
        let stopped = await fs.evaluate(key, "exp", key: "u3")
        #expect(stopped.reason != "VARIANT")
    }

    @Test func attributesCompareByTypeNotByTheirStringForm() async throws {
        let (fs, a, key) = try await setUp()
        try await fs.flag(a, ["key": "big", "name": "Big"])
        try await fs.state(a, "big", ["enabled": true, "rules": [
            ["conditions": [["attribute": "spend", "operator": "gte", "values": ["1000000"]]], "value": true]]])
        #expect(await fs.evaluate(key, "big", attributes: ["spend": 1_000_000]).reason == "TARGETED")
        #expect(await fs.evaluate(key, "big", attributes: ["spend": 999_999]).reason == "FALLTHROUGH")
        try await fs.state(a, "big", ["rules": [["conditions": [["attribute": "spend", "operator": "eq", "values": ["1000000"]]], "value": true]]])
        #expect(await fs.evaluate(key, "big", attributes: ["spend": 1_000_000]).reason == "TARGETED")
        #expect(await fs.evaluate(key, "big").reason == "FALLTHROUGH")  // missing attribute fails
    }

    @Test func schedulesApplyBetweenCronTicksAndTheCronStoresThem() async throws {
        let (fs, a, key) = try await setUp()
        try await fs.flag(a, ["key": "launch", "name": "Launch"])
        try await fs.state(a, "launch", ["enabled": false, "default_value": true,
                                         "scheduled_enable_at": .string(Timestamp.format(fs.clock.now + 30)),
                                         "scheduled_disable_at": .string(Timestamp.format(fs.clock.now + 90))])
        #expect(await fs.evaluate(key, "launch").reason == "DISABLED")
        fs.clock.advance(by: 31)
        #expect(await fs.evaluate(key, "launch").value == true)  // before any cron tick

        let worker = FlagsWorker()
        let ctx = ExecutionContext(tracker: fs.base.harness.background)
        try await worker.scheduled(ScheduledEvent(cron: "* * * * *", scheduledTime: fs.clock.now), env: fs.env, ctx: ctx)
        let production = try #require(a.environments["production"])
        let stored = await fs.call("GET", "/v1/projects/\(a.projectID)/flags/launch/environments/\(production)", bearer: a.access)
        #expect(stored["enabled"] == true)
        #expect(stored["scheduled_enable_at"] == .null)
        #expect(stored["scheduled_disable_at"]?.stringValue != nil)

        fs.clock.advance(by: 60)
        #expect(await fs.evaluate(key, "launch").reason == "DISABLED")
        try await worker.scheduled(ScheduledEvent(cron: "* * * * *", scheduledTime: fs.clock.now), env: fs.env, ctx: ctx)
        let off = await fs.call("GET", "/v1/projects/\(a.projectID)/flags/launch/environments/\(production)", bearer: a.access)
        #expect(off["enabled"] == false)
        #expect(off["scheduled_disable_at"] == .null)
        let audit = await fs.call("GET", "/v1/audit", bearer: a.access)
        #expect(audit.json.arrayValue?.first?["actor"] == "system")
        #expect(try await FSSchedules.apply(service: Service(env: fs.env), env: fs.env, ctx: ctx, now: fs.clock.now) == 0)
    }

    @Test func bulkClientAndTrack() async throws {
        let (fs, a, key) = try await setUp()
        try await fs.flag(a, ["key": "a", "name": "A", "flag_type": "string", "default_value": "x"])
        try await fs.flag(a, ["key": "b", "name": "B"])
        try await fs.state(a, "a", ["enabled": true, "default_value": "on"])
        let bulk = await fs.call("POST", "/v1/evaluate/bulk", apiKey: key,
                                 json: ["flag_keys": ["a", "b", "ghost"], "context": ["key": "u"]])
        #expect(bulk.status == 200)
        #expect(bulk.json == [
            "a": ["flag_key": "a", "value": "on", "reason": "FALLTHROUGH"],
            "b": ["flag_key": "b", "value": false, "reason": "DISABLED"],
            "ghost": ["flag_key": "ghost", "value": nil, "reason": "NOT_FOUND"]])
        let tooMany = JSONValue.array((0...100).map { .string("k\($0)") })
        #expect(await fs.call("POST", "/v1/evaluate/bulk", apiKey: key, json: ["flag_keys": tooMany, "context": ["key": "u"]]).status == 400)
        let client = await fs.call("GET", "/v1/client/production/flags?key=u", apiKey: key)
        #expect(client.json == ["a": "on", "b": false])
        let tracked = await fs.call("POST", "/v1/track", apiKey: key, json: ["flag_key": "a", "variant_key": "v1", "user_key": "u"])
        #expect(tracked.status == 204)
        #expect(await fs.call("POST", "/v1/track", apiKey: key, json: ["variant_key": "v1"]).status == 400)
    }

    @Test func browsersMayPreflightTheAPIKeyHeader() async throws {
        let fs = try await FSHarness()
        let preflight = await fs.call("OPTIONS", "/v1/evaluate", headers: ["Origin": "https://app.example",
                                                                         "Access-Control-Request-Headers": "x-api-key"])
        #expect(preflight.status == 204)
        #expect(preflight.headers["Access-Control-Allow-Headers"]?.contains("X-API-Key") == true)
    }

    @Test func evaluationErrorsUseTheSpecsMessages() async throws {
        let (fs, _, key) = try await setUp()
        #expect(await fs.call("POST", "/v1/evaluate", body: "{}").json == ["error": "missing X-API-Key header"])
        #expect(await fs.call("POST", "/v1/evaluate", apiKey: "fs_srv_nope", body: "{}").json == ["error": "invalid API key"])
        #expect(await fs.call("POST", "/v1/evaluate", apiKey: key, body: "{oops").json == ["error": "invalid request body"])
        for body in [#"{"context":{"key":"u"}}"#, #"{"flag_key":"f"}"#, #"{"flag_key":"f","context":{}}"#] {
            let response = await fs.call("POST", "/v1/evaluate", apiKey: key, body: body)
            #expect(response.status == 400)
            #expect(response.json == ["error": "flag_key and context.key are required"], "\(body)")
        }
        #expect(await fs.call("GET", "/v1/evaluate", apiKey: key).status == 405)
    }

    @Test func evaluationIsRateLimitedPerKey() async throws {
        let fs = try await FSHarness(vars: ["RATE_LIMIT_API_KEY_PER_MINUTE": "5"])
        let a = try await fs.register()
        let key = try await fs.apiKey(a), other = try await fs.apiKey(a, env: "dev")
        for _ in 0..<5 { #expect(await fs.evaluate(key, "f").reason == "NOT_FOUND") }
        let limited = await fs.call("POST", "/v1/evaluate", apiKey: key, json: ["flag_key": "f", "context": ["key": "u"]])
        #expect(limited.status == 429)
        #expect(limited.headers["Retry-After"] != nil)
        #expect(await fs.evaluate(other, "f").reason == "NOT_FOUND")
    }

    @Test func anOwnersJWTMintsFFTokensForItsProjectsAndBothDialectsSeeTheSameFlags() async throws {
        let (fs, a, key) = try await setUp()
        try await fs.flag(a, ["key": "new-ui", "name": "New UI", "flag_type": "string", "default_value": "old"])
        try await fs.state(a, "new-ui", ["enabled": true, "rules": [
            ["conditions": [["attribute": "plan", "operator": "eq", "values": ["pro"]]], "value": "new"]]])
        let minted = await fs.call("POST", "/api/v1/tokens", bearer: a.access,
                                   json: ["name": "sdk", "project_id": .string(a.projectID), "permissions": ["read:flags"]])
        #expect(minted.status == 201)
        let token = try #require(minted["token"]?.stringValue)
        #expect(token.hasPrefix("ff_" + a.projectID.prefix(4) + "_"))
        let edge = await fs.call("POST", "/api/v1/evaluate", bearer: token,
                                 json: ["context": ["user_id": "u1", "environment": "production", "custom": ["plan": "pro"]]])
        #expect(edge.json == ["flags": ["new-ui": "new"], "configs": [:]])
        #expect(await fs.evaluate(key, "new-ui", key: "u1", attributes: ["plan": "pro"]).value == "new")
        // The FeatureSignals flag is changed through /v1 only.
        #expect(await fs.call("PUT", "/api/v1/flags/new-ui", bearer: token, json: ["enabled": false]).status == 403)

        let developer = try await fs.member(a, role: "developer", email: "dev@acme.io")
        #expect(await fs.call("POST", "/api/v1/tokens", bearer: developer.access,
                              json: ["name": "x", "project_id": .string(a.projectID), "permissions": ["*"]]).status == 403)
        let other = try await fs.register(email: "b@other.io", org: "Other")
        let foreign = await fs.call("POST", "/api/v1/tokens", bearer: other.access,
                                    json: ["name": "x", "project_id": .string(a.projectID), "permissions": ["*"]])
        #expect(foreign.status == 404)
        #expect(foreign["code"] == "NOT_FOUND")
        let admin = await fs.call("POST", "/api/v1/tokens", bearer: a.access,
                                  json: ["name": "admin", "project_id": .string(a.projectID), "permissions": ["*"]])
        let adminToken = try #require(admin["token"]?.stringValue)
        let write = await fs.call("PUT", "/api/v1/flags/new-ui", bearer: adminToken, json: ["enabled": false])
        #expect(write.status == 409)
        #expect(await fs.call("POST", "/api/v1/project/environments", bearer: adminToken, json: ["name": "qa"]).status == 409)
        #expect(await fs.call("GET", "/api/v1/project/environments", bearer: token).json
            == ["environments": ["dev", "staging", "production"]])
        // JWTs are not ff_ tokens anywhere else.
        #expect(await fs.call("GET", "/api/v1/flags", bearer: a.access).status == 401)
    }

    @Test func evaluationsAreCountedPerFlagAndReasonForTheOrganization() async throws {
        let (fs, a, key) = try await setUp()
        try await fs.flag(a, ["key": "f", "name": "F"])
        try await fs.state(a, "f", ["enabled": true])
        for _ in 0..<3 { _ = await fs.evaluate(key, "f") }
        _ = await fs.evaluate(key, "ghost")
        _ = await fs.call("POST", "/v1/evaluate/bulk", apiKey: key, json: ["flag_keys": ["f"], "context": ["key": "u"]])
        _ = await fs.call("GET", "/v1/client/production/flags", apiKey: key)
        let metrics = await fs.call("GET", "/v1/metrics/evaluations", bearer: a.access)
        #expect(metrics.status == 200)
        #expect(metrics["total"] == 6)
        let flags = try #require(metrics["flags"]?.arrayValue)
        #expect(flags.first { $0["flag_key"] == "f" }?["reasons"] == ["FALLTHROUGH": 5])
        #expect(flags.first { $0["flag_key"] == "ghost" }?["reasons"] == ["NOT_FOUND": 1])
        let other = try await fs.register(email: "b@other.io", org: "Other")
        let theirs = await fs.call("GET", "/v1/metrics/evaluations", bearer: other.access)
        #expect(theirs["total"] == 0)
        #expect(theirs["flags"] == [])
    }
}
