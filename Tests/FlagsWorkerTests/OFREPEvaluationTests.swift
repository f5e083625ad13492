import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// `POST /ofrep/v1/evaluate/flags/{key}`: values of every JSON type, OFREP's reasons, the two
/// kinds of credential, and every error of the spec in its exact shape.
@Suite("OFREP: single evaluation, reasons and errors")
struct OFREPEvaluationTests {
    static func seeded() async throws -> FlagsHarness {
        let api = try await FlagsHarness()
        for record: JSONValue in [
            ["key": "dark-mode", "enabled": true, "type": "boolean", "defaultValue": false,
             "targeting": ["rules": [["conditions": [["property": "plan", "operator": "in", "value": ["pro"]]], "value": true]]]],
            ["key": "checkout", "enabled": true, "type": "string", "value": "v2"],
            ["key": "max-items", "enabled": true, "type": "number", "defaultValue": 10, "environments": ["production": ["value": 50]]],
            ["key": "ratio", "enabled": true, "type": "number", "value": 0.25],
            ["key": "banner", "enabled": true, "type": "json", "value": ["text": "hi", "sizes": [1, 2]]],
            ["key": "off", "enabled": false, "value": "never"],
            ["key": "gradual", "enabled": true, "targeting": ["rollout": ["percentage": 50]]],
            ["key": "country", "enabled": true, "type": "string", "defaultValue": "world",
             "targeting": ["rules": [["conditions": [["property": "country", "operator": "equals", "value": "de"]], "value": "de"]]]],
        ] {
            await api.createFlag(record)
        }
        return api
    }

    @Test func valuesKeepTheirJSONTypeAndReasonsAreOpenFeatures() async throws {
        let api = try await Self.seeded()
        let sdk = try await api.token(["read:flags"])
        #expect(await api.ofrepValue("dark-mode", token: sdk, ["targetingKey": "u1", "plan": "pro"])
            == ["value": true, "reason": "TARGETING_MATCH", "variant": "targeting"])
        #expect(await api.ofrepValue("dark-mode", token: sdk, ["targetingKey": "u1", "plan": "free"]) == ["value": false, "reason": "DEFAULT", "variant": "default"])
        #expect(await api.ofrepValue("checkout", token: sdk, ["targetingKey": "u1"]) == ["value": "v2", "reason": "STATIC", "variant": "override"])
        #expect(await api.ofrepValue("max-items", token: sdk, ["targetingKey": "u1"])["value"] == 10)
        #expect(await api.ofrepValue("max-items", token: sdk, ["targetingKey": "u1", "environment": "production"])
            == ["value": 50, "reason": "STATIC", "variant": "environment_override"])
        #expect(await api.ofrepValue("ratio", token: sdk, ["targetingKey": "u1"])["value"] == 0.25)
        #expect(await api.ofrepValue("banner", token: sdk, ["targetingKey": "u1"])["value"] == ["text": "hi", "sizes": [1, 2]])
        #expect(await api.ofrepValue("off", token: sdk, ["targetingKey": "u1"]) == ["value": false, "reason": "DISABLED", "variant": "disabled"])
        #expect(await api.ofrepValue("country", token: sdk, ["targetingKey": "u1", "country": "de"]) == ["value": "de", "reason": "TARGETING_MATCH", "variant": "targeting"])
        // A request without a body, or without a targeting key, evaluates for an empty context.
        #expect(await api.ofrep("/evaluate/flags/checkout", token: sdk).json
            == ["key": "checkout", "value": "v2", "reason": "STATIC", "variant": "override"])
        var reasons = Set<String>()
        for user in 0..<40 {
            let answer = await api.ofrepValue("gradual", token: sdk, ["targetingKey": .string("user-\(user)")])
            let (edgeFlags, _) = await api.evaluate("gradual", ["user_id": .string("user-\(user)")])
            #expect(answer["value"] == edgeFlags)
            reasons.insert(answer["reason"]?.stringValue ?? "")
        }
        #expect(reasons == ["SPLIT", "DEFAULT"])
    }

    @Test func everyErrorCodeHasTheSpecsShape() async throws {
        let api = try await Self.seeded()
        let sdk = try await api.token(["read:flags"])
        func failure(_ key: String, body: String) async -> APIResponse {
            await api.ofrep("/evaluate/flags/\(key)", token: sdk, body: body)
        }
        let unparsable = await failure("checkout", body: "{\"context\":")
        #expect(unparsable.status == 400)
        #expect(unparsable.json == ["key": "checkout", "errorCode": "PARSE_ERROR", "errorDetails": "The body is not valid JSON"])
        #expect(await failure("checkout", body: "[1]").json["errorCode"] == "PARSE_ERROR")
        for context in [#""someone""#, #"{"targetingKey":5}"#, #"{"environment":["production"]}"#, #"{"email":{"a":1}}"#] {
            let invalid = await failure("checkout", body: #"{"context":\#(context)}"#)
            #expect(invalid.status == 400, "\(context)")
            #expect(invalid["errorCode"] == "INVALID_CONTEXT", "\(context)")
            #expect(invalid["key"] == "checkout")
        }
        let keyless = await api.ofrep("/evaluate/flags/gradual", token: sdk, context: ["plan": "pro"])
        #expect(keyless.status == 400)
        #expect(keyless["errorCode"] == "TARGETING_KEY_MISSING")
        #expect(keyless["key"] == "gradual")
        let huge = await api.ofrep("/evaluate/flags/checkout", token: sdk,
                                   context: ["targetingKey": "u1", "blob": .string(String(repeating: "x", count: 70_000))])
        #expect(huge.status == 413)
        #expect(huge["errorCode"] == "GENERAL")
        let missing = await api.ofrep("/evaluate/flags/nope", token: sdk, context: ["targetingKey": "u1"])
        #expect(missing.status == 404)
        #expect(missing.json == ["key": "nope", "errorCode": "FLAG_NOT_FOUND", "errorDetails": "Flag nope not found"])
        let route = await api.ofrep("/nowhere", token: sdk, context: [:])
        #expect(route.status == 404)
        #expect(route["errorCode"] == "GENERAL")
        let wrongMethod = await api.ofrep("/evaluate/flags", token: sdk, method: "GET")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod["errorCode"] == "GENERAL")
    }

    @Test func credentialFailuresAre401And403WithoutABody() async throws {
        let api = try await Self.seeded()
        let nobody = await api.ofrep("/evaluate/flags/checkout", context: [:])
        #expect(nobody.status == 401)
        #expect(nobody.text.isEmpty)
        #expect(await api.ofrep("/evaluate/flags/checkout", apiKey: "fs_srv_unknown", context: [:]).status == 401)
        // A blank key is a credential that fails, even beside a valid token.
        let sdkToken = try await api.token(["read:flags"])
        #expect(await api.ofrep("/evaluate/flags/checkout", token: sdkToken, context: [:], headers: ["X-API-Key": ""]).status == 401)
        let configsOnly = try await api.token(["read:configs"])
        let forbidden = await api.ofrep("/evaluate/flags/checkout", token: configsOnly, context: [:])
        #expect(forbidden.status == 403)
        #expect(forbidden.text.isEmpty)
        let sdk = try await api.token(["read:flags"])
        #expect(await api.ofrep("/evaluate/flags/checkout", token: sdk, context: [:]).status == 200)
        #expect(await api.call("DELETE", "/api/v1/tokens/\(TokenStore.hash(sdk))").status == 200)
        let revoked = await api.ofrep("/evaluate/flags/checkout", token: sdk, context: [:])
        #expect(revoked.status == 401)
        #expect(revoked.text.isEmpty)
    }

    @Test func pastTheBudgetIs429WithRetryAfter() async throws {
        let api = try await FlagsHarness(vars: ["RATE_LIMIT_EVALUATIONS_PER_MINUTE": "2"])
        await api.createFlag(["key": "checkout", "enabled": true, "value": "v2"])
        let sdk = try await api.token(["read:flags"])
        for user in 0..<2 {
            #expect(await api.ofrep("/evaluate/flags/checkout", token: sdk, context: ["targetingKey": .string("u\(user)")]).status == 200)
        }
        let limited = await api.ofrep("/evaluate/flags/checkout", token: sdk, context: ["targetingKey": "u3"])
        #expect(limited.status == 429)
        #expect(Int(limited.headers["Retry-After"] ?? "") ?? 0 > 0)
        #expect(limited.text.isEmpty)
    }

    @Test func anAPIKeyEvaluatesInItsOwnEnvironmentAndSeesOnlyItsProject() async throws {
        let fs = try await FSHarness()
        let account = try await fs.register()
        let key = try await fs.apiKey(account)
        try await fs.flag(account, ["key": "beta", "name": "Beta", "flag_type": "string", "default_value": "off"])
        try await fs.state(account, "beta", ["enabled": true, "default_value": "on",
                                             "rules": [["priority": 1, "value": "vip", "match_type": "all",
                                                        "conditions": [["attribute": "tier", "operator": "eq", "values": ["gold"]]]]]])
        try await fs.flag(account, ["key": "staging-only", "name": "S", "flag_type": "boolean"])
        try await fs.state(account, "staging-only", env: "staging", ["enabled": true])
        let api = fs.base
        #expect(await api.ofrepValue("beta", apiKey: key, ["targetingKey": "u1"]) == ["value": "on", "reason": "DEFAULT", "variant": "default"])
        #expect(await api.ofrepValue("beta", apiKey: key, ["targetingKey": "u1", "tier": "gold"])["value"] == "vip")
        // The key's environment applies whatever the context says; a flag off there is DISABLED.
        #expect(await api.ofrepValue("staging-only", apiKey: key, ["targetingKey": "u1", "environment": "staging"])
            == ["value": false, "reason": "DISABLED", "variant": "disabled"])
        // The default project's flags are another project's: not found, exactly like none at all.
        await api.createFlag(["key": "elsewhere", "enabled": true, "value": true])
        let other = await api.ofrep("/evaluate/flags/elsewhere", apiKey: key, context: ["targetingKey": "u1"])
        #expect(other.status == 404)
        #expect(other["errorCode"] == "FLAG_NOT_FOUND")
        #expect(await api.ofrep("/evaluate/flags/beta", token: api.admin, context: ["targetingKey": "u1"])["errorCode"]
            == "FLAG_NOT_FOUND")
    }
}
