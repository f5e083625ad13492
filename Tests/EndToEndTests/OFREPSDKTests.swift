import EdgeJSON
import Foundation
import Testing

/// OpenFeature's official Python SDK with its OFREP provider (`openfeature-sdk` and
/// `openfeature-provider-ofrep` from PyPI, unchanged) against the real binary: an application
/// (`Resources/ofrep_python_client.py`) evaluates every type, targeting, a rollout, a disabled and
/// an unknown flag, and a revoked token; this test asserts what it saw. The provider (0.3.0) calls
/// the single evaluation per flag; it turns a 401 into its `GENERAL` "unauthorized" error, which
/// the SDK answers with the caller's default.
@Suite("End to end: the official OpenFeature Python SDK over OFREP", .serialized)
struct OFREPSDKTests {
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/ofrep_python_client.py").path

    @Test func theProviderEvaluatesEveryTypeAgainstTheRealBinary() async throws {
        guard (try? EdgeworkerBinary.runTool("python3", ["-c", "import openfeature.contrib.provider.ofrep"]).status) == 0 else {
            Issue.record("The OFREP provider is missing: pip install openfeature-sdk openfeature-provider-ofrep (scripts/test installs it)")
            return
        }
        let service = try RunningFlagService.start()
        defer { service.stop() }
        let (base, admin) = (service.base, service.admin)
        func token(_ name: String) throws -> String {
            let minted = try http("POST", base + "/api/v1/tokens", token: admin,
                                  body: #"{"name":"\#(name)","project_id":"default","permissions":["read:flags"]}"#)
            return try #require(minted.json["token"]?.stringValue)
        }
        let sdk = try token("sdk"), revoked = try token("revoked")
        for body in [
            #"{"key":"dark-mode","enabled":true,"type":"boolean","defaultValue":false,"targeting":{"rules":[{"conditions":[{"property":"plan","operator":"in","value":["pro","enterprise"]}],"value":true}]}}"#,
            #"{"key":"checkout","enabled":true,"type":"string","value":"beta"}"#,
            #"{"key":"max-items","enabled":true,"type":"number","defaultValue":10,"environments":{"production":{"value":50}}}"#,
            #"{"key":"ratio","enabled":true,"type":"number","value":0.25}"#,
            #"{"key":"banner","enabled":true,"type":"json","value":{"text":"Hello","color":"blue"}}"#,
            #"{"key":"region","enabled":true,"type":"string","defaultValue":"world","targeting":{"rules":[{"conditions":[{"property":"country","operator":"equals","value":"de"},{"property":"company.size","operator":"gte","value":100}],"value":"dach-enterprise"}]}}"#,
            #"{"key":"gradual","enabled":true,"targeting":{"rollout":{"percentage":50}}}"#,
            #"{"key":"off","enabled":false,"value":true}"#,
        ] {
            let created = try http("POST", base + "/api/v1/flags", token: admin, body: body)
            try #require(created.status == 201, "\(body): \(created.json)")
        }
        let hash = try #require(try http("GET", base + "/api/v1/tokens", token: admin).json["tokens"]?.arrayValue?
            .first { $0["name"] == "revoked" }?["hash"]?.stringValue)
        #expect(try http("DELETE", base + "/api/v1/tokens/\(hash)", token: admin).status == 200)

        let seen = try await runJSONClient(["python3", Self.client, base, sdk, revoked],
                                           name: "the OpenFeature Python client")
        #expect(seen["boolean"] == ["value": true, "reason": "TARGETING_MATCH", "variant": "targeting", "error": .null, "message": .null])
        #expect(seen["boolean_free"]?["value"] == false)
        #expect(seen["boolean_free"]?["reason"] == "DEFAULT")
        #expect(seen["string"] == ["value": "beta", "reason": "STATIC", "variant": "override", "error": .null, "message": .null])
        #expect(seen["integer"]?["value"] == 50)
        #expect(seen["float"]?["value"] == 0.25)
        #expect(seen["object"]?["value"] == ["text": "Hello", "color": "blue"])
        #expect(seen["targeted"]?["value"] == "dach-enterprise")
        #expect(seen["targeted"]?["reason"] == "TARGETING_MATCH")
        #expect(seen["untargeted"]?["value"] == "world")
        #expect(seen["disabled"]?["value"] == false)
        #expect(seen["disabled"]?["reason"] == "DISABLED")
        #expect(seen["missing"]?["value"] == "fallback")
        #expect(seen["missing"]?["error"] == "FLAG_NOT_FOUND")
        #expect(seen["keyless"]?["value"] == false)
        #expect(seen["keyless"]?["error"] == "TARGETING_KEY_MISSING")
        #expect(seen["mismatch"]?["value"] == 7)
        #expect(seen["mismatch"]?["error"] == "TYPE_MISMATCH")
        #expect(seen["revoked"]?["value"] == true)
        #expect(seen["revoked"]?["error"] == "GENERAL")
        #expect(seen["revoked"]?["message"] == "unauthorized")

        // The rollout: stable per targetingKey, what the EdgeFlags dialect answers for the same user, both sides seen.
        let rollout = try #require(seen["rollout"]?.objectValue)
        #expect(seen["rollout_again"]?.objectValue == rollout)
        #expect(rollout.count == 20)
        for (user, value) in rollout {
            let query = #"{"user_id":"\#(user)"}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            #expect(value == (try http("GET", base + "/api/v1/flags/gradual?context=\(query)", token: admin).json["value"]), "\(user)")
        }
        #expect(Set(rollout.values.compactMap(\.boolValue)) == [true, false])
    }
}
