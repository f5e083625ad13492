import EdgeJSON
import Foundation
import Testing

/// The wire protocol of the EdgeFlags JavaScript and React SDKs against the real binary, spoken by
/// Node's own `fetch` and `WebSocket` (undici): `Resources/js_sdk_wire.mjs` polls, preflights and
/// streams as the SDKs do, and this test asserts what it saw. The SDK packages themselves come from
/// npm, which this machine cannot reach (the Python SDK runs unchanged in `PythonSDKTests`).
@Suite("End to end: the JavaScript SDK's wire protocol", .serialized)
struct JavaScriptSDKWireTests {
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/js_sdk_wire.mjs").path

    @Test func pollingPreflightAndStreamingWorkAsTheSDKsUseThem() async throws {
        guard (try? EdgeworkerBinary.runTool("node", ["--version"]).status) == 0 else {
            Issue.record("node is missing (scripts/test installs nodejs)")
            return
        }
        let service = try RunningFlagService.start(extra: ["--access-log", "info"])
        defer { service.stop() }
        let (base, admin) = (service.base, service.admin)
        let minted = try http("POST", base + "/api/v1/tokens", token: admin,
                              body: #"{"name":"browser","project_id":"default","permissions":["read:flags","read:configs"]}"#)
        let sdk = try #require(minted.json["token"]?.stringValue)
        for (path, body) in [
            ("/api/v1/flags", #"{"key":"dark-mode","enabled":true,"defaultValue":false,"targeting":{"rules":[{"conditions":[{"property":"plan","operator":"equals","value":"pro"}],"value":true}]}}"#),
            ("/api/v1/flags", #"{"key":"checkout","enabled":true,"value":"v1"}"#),
            ("/api/v1/flags", #"{"key":"retired","enabled":true,"value":"soon gone"}"#),
            ("/api/v1/configs", #"{"key":"theme","value":"light","environments":{"production":{"value":"dark"}}}"#),
        ] {
            let created = try http("POST", base + path, token: admin, body: body)
            try #require(created.status == 201, "\(path): \(created.json)")
        }

        // Node 20 has undici's WebSocket behind this flag (22 has it by default and ignores the flag).
        let flag = (try? EdgeworkerBinary.runTool("node", ["--experimental-websocket", "-e", ""]).status) == 0
        let seen = try await runJSONClient(["node"] + (flag ? ["--experimental-websocket"] : []) + [Self.client, base, sdk, admin],
                                           name: "the JavaScript client")

        #expect(seen["poll"] == ["status": 200, "flags": ["dark-mode": true, "checkout": "v1", "retired": "soon gone"],
                                 "configs": ["theme": "dark"], "cors": "*", "has_null": false])
        #expect(seen["bad_token"] == 401)
        #expect(seen["preflight"]?["status"] == 204)
        #expect(seen["preflight"]?["origin"] == "*")
        let allowed = seen["preflight"]?["headers"]?.stringValue ?? ""
        #expect(allowed.contains("authorization") && allowed.contains("content-type"))

        guard seen["stream"] != "unavailable" else {
            // Debian 12's own nodejs is 18, which has no WebSocket client; the polling half still ran.
            print("JavaScriptSDKWireTests: this node has no WebSocket (Node 20.10 or later has it); the stream part did not run")
            return
        }
        let stream = try #require(seen["stream"])
        #expect(stream["snapshot"] == ["flags": ["dark-mode": true, "checkout": "v1", "retired": "soon gone"],
                                       "configs": ["theme": "light"]])
        #expect((stream["snapshot_ms"]?.doubleValue ?? .infinity) < 10_000)
        #expect(stream["pong"] == true)
        #expect(stream["change"]?["changes"] == [["type": "flag", "kind": "flag", "key": "checkout", "value": "v2"]])
        #expect((stream["change"]?["ms"]?.doubleValue ?? .infinity) < 1_000)
        // The SDK reads `value` of every change: a removed flag carries none, so its default applies.
        #expect(stream["removal"]?["changes"] == [["type": "flag", "kind": "flag", "key": "retired", "deleted": true]])
        #expect(stream["update_context"] == ["dark-mode": false, "checkout": "v2"])
        #expect(stream["refused"]?["events"] == ["error"])
        #expect((stream["refused"]?["ms"]?.doubleValue ?? .infinity) < 1_200)
        // The token travelled in the URL; the access log must not have written it down.
        service.server.terminate()
        service.server.waitUntilExit()
        let log = String(decoding: (service.server.standardOutput as? Pipe)?.fileHandleForReading.readDataToEndOfFile() ?? Data(),
                         as: UTF8.self)
        #expect(!log.contains(sdk))
        #expect(log.contains("token=[redacted]"))
    }
}
