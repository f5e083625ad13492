import EdgeJSON
import Foundation
import Testing

/// The wire behaviour of OpenFeature's JavaScript OFREP providers (web and server) against the real
/// binary, spoken by Node's own `fetch`: `Resources/ofrep_js_wire.mjs` fetches, polls with the ETag,
/// follows the advertised event stream and evaluates single flags as the providers do, and this
/// test asserts what it saw. The providers come from npm, which this machine cannot reach (the
/// Python provider runs unchanged in `OFREPSDKTests`).
@Suite("End to end: the JavaScript OFREP providers' wire protocol", .serialized)
struct OFREPJavaScriptWireTests {
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/ofrep_js_wire.mjs").path

    @Test func pollingWithETagsTheEventStreamAndSingleEvaluationsWorkAsTheProvidersUseThem() async throws {
        guard (try? EdgeworkerBinary.runTool("node", ["--version"]).status) == 0 else {
            Issue.record("node is missing (scripts/test installs nodejs)")
            return
        }
        let service = try RunningFlagService.start()
        defer { service.stop() }
        let (base, admin) = (service.base, service.admin)
        let minted = try http("POST", base + "/api/v1/tokens", token: admin,
                              body: #"{"name":"browser","project_id":"default","permissions":["read:flags"]}"#)
        let sdk = try #require(minted.json["token"]?.stringValue)
        for body in [
            #"{"key":"dark-mode","enabled":true,"defaultValue":false,"targeting":{"rules":[{"conditions":[{"property":"plan","operator":"equals","value":"pro"}],"value":true}]}}"#,
            #"{"key":"checkout","enabled":true,"value":"v1"}"#,
            #"{"key":"gradual","enabled":true,"targeting":{"rollout":{"percentage":50}}}"#,
        ] {
            let created = try http("POST", base + "/api/v1/flags", token: admin, body: body)
            try #require(created.status == 201, "\(body): \(created.json)")
        }
        let seen = try await runJSONClient(["node", Self.client, base, sdk, admin], name: "the OFREP JavaScript client")

        let web = try #require(seen["web"])
        #expect(web["status"] == 200)
        #expect(web["flags"]?["dark-mode"] == true)
        #expect(web["flags"]?["checkout"] == "v1")
        #expect(web["etag_exposed"] == true)
        #expect(web["poll"] == 304)
        #expect(web["poll_body_empty"] == true)
        #expect(web["switched"] == 200)
        #expect(web["switched_flags"]?["dark-mode"] == false)
        #expect(web["event_streams"] == ["sse"])

        let stream = try #require(seen["stream"])
        #expect(stream["status"] == 200)
        #expect(stream["type"] == "text/event-stream")
        #expect(stream["change"] == 200)
        #expect(stream["event"] == "refetchEvaluation")
        #expect((stream["ms"]?.doubleValue ?? .infinity) < 1_000)
        #expect(stream["refetch"] == ["status": 200, "checkout": "v2"])

        let server = try #require(seen["server"])
        #expect(server["hit"] == ["status": 200, "body": ["key": "dark-mode", "value": true, "reason": "TARGETING_MATCH",
                                                          "variant": "targeting"]])
        #expect(server["missing"] == ["status": 404, "body": ["key": "no-such-flag", "errorCode": "FLAG_NOT_FOUND",
                                                              "errorDetails": "Flag no-such-flag not found"]])
        #expect(server["keyless"] == "TARGETING_KEY_MISSING")
        #expect(server["invalid"] == "INVALID_CONTEXT")
        // The providers' fatal error: a 401 with no body.
        #expect(server["unauthorized"] == ["status": 401, "body": .null])

        #expect(seen["preflight"]?["status"] == 204)
        let allowed = seen["preflight"]?["headers"]?.stringValue ?? ""
        #expect(["authorization", "content-type", "if-none-match", "x-api-key"].allSatisfy(allowed.contains))
    }
}
