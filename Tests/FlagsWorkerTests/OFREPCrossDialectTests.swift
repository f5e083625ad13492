import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// One model, three dialects: the same flags evaluated through OFREP, EdgeFlags `/api/v1/evaluate`
/// and FeatureSignals `/v1/evaluate/bulk` give the same values for the same users.
@Suite("OFREP: the same values as the other dialects")
struct OFREPCrossDialectTests {
    @Test func ofrepEdgeFlagsAndFeatureSignalsAgreeFlagByFlag() async throws {
        let fs = try await FSHarness()
        let account = try await fs.register()
        let key = try await fs.apiKey(account)
        // A token of the same project, minted by its owner (the bridge).
        let minted = await fs.call("POST", "/api/v1/tokens", bearer: account.access,
                                   json: ["name": "sdk", "project_id": .string(account.projectID), "permissions": ["read:flags", "write:flags"]])
        let token = try #require(minted["token"]?.stringValue, "\(minted.text)")
        // FeatureSignals flags with their production states...
        try await fs.flag(account, ["key": "fs-rollout", "name": "R", "flag_type": "boolean"])
        try await fs.state(account, "fs-rollout", ["enabled": true, "percentage_rollout": 5000])
        try await fs.flag(account, ["key": "fs-tier", "name": "T", "flag_type": "string", "default_value": "basic"])
        try await fs.state(account, "fs-tier", ["enabled": true, "rules": [
            ["priority": 1, "conditions": [["attribute": "country", "operator": "in", "values": ["de", "at"]]], "value": "dach"]]])
        try await fs.flag(account, ["key": "fs-exp", "name": "E", "flag_type": "ab", "default_value": "control"])
        try await fs.state(account, "fs-exp", ["enabled": true, "variants": [["key": "a", "weight": 5000, "value": "A"],
                                                                             ["key": "b", "weight": 5000, "value": "B"]]])
        // ...and EdgeFlags flags in the same project.
        for record: JSONValue in [
            ["key": "ef-limit", "enabled": true, "type": "number", "defaultValue": 10, "environments": ["production": ["value": 25]]],
            ["key": "ef-gradual", "enabled": true, "targeting": ["rollout": ["percentage": 30]]],
            ["key": "ef-country", "enabled": true, "type": "string", "defaultValue": "world",
             "targeting": ["rules": [["conditions": [["property": "country", "operator": "equals", "value": "de"]], "value": "de"]]]],
        ] {
            let created = await fs.base.call("POST", "/api/v1/flags", token: token, json: record)
            try #require(created.status == 201, "\(created.text)")
        }
        for index in 0..<12 {
            let user = "user-\(index)", country: JSONValue = index % 3 == 0 ? "de" : "fr"
            let ofrepByKey = await fs.base.ofrepBulk(apiKey: key, ["targetingKey": .string(user), "country": country])
            let ofrepByToken = await fs.base.ofrepBulk(token: token, ["targetingKey": .string(user), "country": country,
                                                                      "environment": "production"])
            let edgeFlags = await fs.base.call("POST", "/api/v1/evaluate", token: token, json: [
                "context": ["user_id": .string(user), "environment": "production", "custom": ["country": country]]])
            let featureSignals = await fs.call("POST", "/v1/evaluate/bulk", apiKey: key,
                                               json: ["context": ["key": .string(user), "attributes": ["country": country]]])
            let fsValues = (featureSignals.json.objectValue ?? [:]).mapValues { $0["value"] ?? .null }
            #expect(ofrepByKey.count == 6)
            #expect(ofrepByKey == ofrepByToken, "\(user)")
            #expect(JSONValue.object(ofrepByKey) == edgeFlags["flags"], "\(user)")
            #expect(ofrepByKey == fsValues, "\(user)")
        }
        let variant = await fs.base.ofrepValue("fs-exp", apiKey: key, ["targetingKey": "user-1"])
        #expect(variant["reason"] == "SPLIT")
        #expect(variant["variant"]?.stringValue == (variant["value"] == "A" ? "a" : "b"))
    }
}
