import EdgeJSON
import Foundation
import Testing

/// The official EdgeFlags Python SDK (`edgeflags` from PyPI, unchanged) against the real binary: an
/// application (`Resources/python_sdk_client.py`) evaluates, polls and refreshes, and this test
/// asserts what it saw. The SDK speaks only `POST /api/v1/evaluate` (`{"context": …}` in,
/// `{"flags", "configs"}` out, anything but a 200 is an `EdgeFlagsError` with its status); version
/// 0.1.0 polls and has no streaming mode (its `transport` argument is stored and never read).
@Suite("End to end: the official Python SDK", .serialized)
struct PythonSDKTests {
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/python_sdk_client.py").path

    @Test func theSDKEvaluatesPollsAndRefreshesAgainstTheRealBinary() async throws {
        guard (try? EdgeworkerBinary.runTool("python3", ["-c", "import edgeflags"]).status) == 0 else {
            Issue.record("The edgeflags SDK is missing: pip install edgeflags (scripts/test installs it)")
            return
        }
        let service = try RunningFlagService.start()
        defer { service.stop() }
        let (dir, base, admin) = (service.directory, service.base, service.admin)
        func token(_ permissions: String) throws -> String {
            let minted = try http("POST", base + "/api/v1/tokens", token: admin,
                                  body: #"{"name":"sdk","project_id":"default","permissions":\#(permissions)}"#)
            return try #require(minted.json["token"]?.stringValue)
        }
        let sdk = try token(#"["read:flags","read:configs"]"#)
        let configsOnly = try token(#"["read:configs"]"#)

        let setup: [(String, String)] = [
            ("/api/v1/segments", #"{"key":"vip","conditions":[{"property":"plan","operator":"equals","value":"enterprise"}]}"#),
            ("/api/v1/flags", #"{"key":"dark-mode","enabled":true,"type":"boolean","defaultValue":false,"targeting":{"rules":[{"conditions":[{"property":"plan","operator":"in","value":["pro","enterprise"]}],"value":true}]}}"#),
            ("/api/v1/flags", #"{"key":"checkout","enabled":true,"type":"string","defaultValue":"classic","targeting":{"rules":[{"conditions":[{"property":"email","operator":"ends_with","value":"@bücher.example"}],"value":"beta"},{"conditions":[{"property":"company.size","operator":"gte","value":100}],"value":"enterprise"}]}}"#),
            ("/api/v1/flags", #"{"key":"max-items","enabled":true,"type":"number","defaultValue":10,"environments":{"production":{"value":50}}}"#),
            ("/api/v1/flags", #"{"key":"banner","enabled":true,"type":"json","value":{"text":"Hello","color":"blue"}}"#),
            ("/api/v1/flags", #"{"key":"gradual","enabled":true,"targeting":{"rollout":{"percentage":50}}}"#),
            ("/api/v1/flags", #"{"key":"vip-only","enabled":true,"targeting":{"rules":[{"conditions":[{"property":"segment","operator":"in","value":["vip"]}],"value":true}]}}"#),
            ("/api/v1/flags", #"{"key":"off","enabled":false,"value":"never"}"#),
            ("/api/v1/flags", #"{"key":"staging-only","enabled":false,"environments":{"staging":{"enabled":true,"value":true}}}"#),
            ("/api/v1/configs", #"{"key":"theme","value":"light","environments":{"production":{"value":"dark"}}}"#),
            ("/api/v1/configs", #"{"key":"limits","value":{"max":5,"burst":10}}"#),
            ("/api/v1/configs", #"{"key":"rate","value":1.5}"#),
        ]
        for (path, body) in setup {
            let created = try http("POST", base + path, token: admin, body: body)
            try #require(created.status == 201, "\(path) \(body): \(created.json)")
        }
        /// The server's own answer for one context (GET /api/v1/flags/{key}), to hold the rollout against.
        func evaluated(_ key: String, _ context: String) throws -> JSONValue {
            let query = context.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            return try http("GET", base + "/api/v1/flags/\(key)?context=\(query)", token: sdk).json["value"] ?? .null
        }

        let handshake = dir + "/handshake"
        try FileManager.default.createDirectory(atPath: handshake, withIntermediateDirectories: true)
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", Self.client, base, sdk, configsOnly, handshake]
        let out = Pipe(), err = Pipe()
        python.standardOutput = out
        python.standardError = err
        try python.run()
        defer { if python.isRunning { python.terminate() } }
        // The changes the application waits for: one it must see by polling, one by refresh().
        try await waitForFile(handshake + "/waiting-1")
        #expect(try http("PUT", base + "/api/v1/flags/banner", token: admin, body: #"{"value":{"text":"Bye","color":"red"}}"#).status == 200)
        _ = FileManager.default.createFile(atPath: handshake + "/changed-1", contents: nil)
        try await waitForFile(handshake + "/waiting-2")
        #expect(try http("PUT", base + "/api/v1/configs/theme/environments/production", token: admin,
                         body: #"{"value":"midnight"}"#).status == 200)
        _ = FileManager.default.createFile(atPath: handshake + "/changed-2", contents: nil)
        // Its output is one line, well within a pipe's buffer: reading it after the exit cannot block.
        try #require(await python.waitForExit(seconds: 60), "the SDK client did not finish")
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problems = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(python.terminationStatus == 0, "the SDK client failed: \(problems)")
        let seen = try JSONValue.parse(printed)

        let hello: JSONValue = ["text": "Hello", "color": "blue"]
        let configs: JSONValue = ["theme": "light", "limits": ["max": 5, "burst": 10], "rate": 1.5]
        #expect(seen["ready"] == true)
        #expect(seen["pro"]?["flags"] == [
            "dark-mode": true, "checkout": "beta", "max-items": 10, "banner": hello, "vip-only": false, "off": false,
            "staging-only": false,
            "gradual": try evaluated("gradual", #"{"user_id":"u-pro","plan":"pro"}"#),
        ])
        #expect(seen["pro"]?["configs"] == configs)
        #expect(seen["pro"]?["types"] == ["dark-mode": "bool", "checkout": "str", "max-items": "int", "banner": "dict",
                                          "gradual": "bool", "vip-only": "bool", "off": "bool", "staging-only": "bool"])
        #expect(seen["pro"]?["checkout"] == "beta")
        #expect(seen["pro"]?["theme"] == "light")
        #expect(seen["pro"]?["missing_flag"] == "fallback")
        #expect(seen["pro"]?["missing_config"] == 7)
        #expect(seen["free_in_production"]?["flags"] == [
            "dark-mode": false, "checkout": "classic", "max-items": 50, "banner": hello, "vip-only": false, "off": false,
            "staging-only": false, "gradual": try evaluated("gradual", #"{"user_id":"u-free"}"#),
        ])
        #expect(seen["free_in_production"]?["configs"] == ["theme": "dark", "limits": ["max": 5, "burst": 10], "rate": 1.5])
        #expect(seen["vip_in_staging"]?["flags"] == [
            "dark-mode": false, "checkout": "classic", "max-items": 10, "banner": hello, "vip-only": true, "off": false,
            "staging-only": true, "gradual": try evaluated("gradual", #"{"user_id":"u-vip"}"#),
        ])
        #expect(seen["vip_in_staging"]?["configs"] == configs)
        #expect(seen["enterprise"]?["flags"]?["checkout"] == "enterprise")
        #expect(seen["enterprise"]?["flags"]?["vip-only"] == true)
        #expect(seen["enterprise"]?["flags"]?["dark-mode"] == true)

        // The rollout: what the SDK got is what the server evaluates for each user, and both sides occur.
        let rollout = try #require(seen["rollout"]?.objectValue)
        #expect(rollout.count == 20)
        for (user, value) in rollout {
            #expect(value == (try evaluated("gradual", #"{"user_id":"\#(user)"}"#)), "\(user)")
        }
        #expect(Set(rollout.values.compactMap(\.boolValue)) == [true, false])

        let bye: JSONValue = ["text": "Bye", "color": "red"]
        #expect(seen["polled"] == ["before": hello, "after": bye,
                                   "events": [["flags": [["key": "banner", "previous": hello, "current": bye]], "configs": []]]])
        #expect(seen["async"] == [
            "ready": true, "theme_before": "dark", "theme_after": "midnight",
            "events": [["flags": [], "configs": [["key": "theme", "previous": "dark", "current": "midnight"]]]],
            "theme_without_environment": "light",
        ])
        #expect(seen["configs_only"] == ["flags": [:], "configs": configs])
        #expect(seen["bad_token"] == 401)
        #expect(seen["bootstrap"] == ["ready": true, "dark-mode": true, "theme": "bootstrap"])
    }
}
