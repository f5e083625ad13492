import EdgeJSON
import Foundation
import Testing

/// The flag console in a real browser: headless Chromium, driven by Selenium
/// (`Resources/console_browser.py`) through labels and visible text, against the real binary on
/// loopback. The script creates an account, a flag with a rule, switches it on in production, makes
/// an API key and a token, meets an edit conflict, reads the audit log and signs out; this test
/// checks what it saw, and asks the server over HTTP whether the new value is served.
@Suite("End to end: the console in a browser", .serialized)
struct ConsoleBrowserTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/console_browser.py").path

    @Test func aPersonManagesAFlagFromAccountToSignOut() async throws {
        guard (try? EdgeworkerBinary.runTool("python3", ["-c", "import selenium"]).status) == 0,
              FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver") else {
            Issue.record("chromium, chromium-driver or selenium is missing (scripts/test installs them)")
            return
        }
        let dir = try EdgeworkerBinary.makeWorkspace(main: "FlagsWorker", vars: ["PASSWORD_SCRYPT_N": "16384",
                                                                                              "WEBHOOKS_ALLOW_PRIVATE_TARGETS": "true"])
        try "JWT_SECRET=a-console-end-to-end-secret-of-more-than-32-bytes\n"
            .write(toFile: dir + "/.dev.vars", atomically: true, encoding: .utf8)
        // A deployment without accounts signs in with an admin token of the seeded project `default`.
        let admin = try EdgeworkerBinary.run(["token", "create", "--project", "default", "--permissions", "*", "--name", "admin"],
                                             in: dir).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, port) = try EdgeworkerBinary.serve(in: dir)
        let base = "http://127.0.0.1:\(port)"
        // Screenshots stay after the run (the workspace does not): where to look when it fails.
        let screenshots = NSTemporaryDirectory() + "edgeworker-console-\(UUID().uuidString)"
        defer {
            server.terminate()
            server.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
        }

        try #require(try http("POST", base + "/api/v1/flags", token: admin,
                              body: #"{"key":"edge-banner","enabled":false,"type":"boolean","value":true}"#).status == 201)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, base, screenshots, admin]
        let out = NSTemporaryDirectory() + "edgeworker-console-out-\(UUID().uuidString)"
        let err = out + ".err"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let finished = await process.waitForExit(seconds: 240)
        let problems = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
        try #require(finished, "the browser run did not finish in 4 minutes; screenshots in \(screenshots)")
        try #require(process.terminationStatus == 0, "the browser run failed; screenshots in \(screenshots)\n\(problems)")
        let seen = try JSONValue.parse(try String(contentsOfFile: out, encoding: .utf8))
        print("Console screenshots: \(screenshots)")

        #expect(seen["landed_on"]?.stringValue == base + "/console/#/signin" || seen["landed_on"]?.stringValue == base + "/console/")
        #expect(seen["key_error"]?.stringValue?.lowercased().contains("key must match") == true, "\(seen["key_error"] ?? .null)")
        #expect(seen["editor_environment"] == "production")
        #expect(seen["switch_before"] == false && seen["switch_after"] == true)
        let fsKey = try #require(seen["fs_key"]?.stringValue)
        let ffToken = try #require(seen["ff_token"]?.stringValue)
        #expect(fsKey.hasPrefix("fs_srv_"))
        #expect(ffToken.hasPrefix("ff_"))
        #expect((seen["fs_key_copy_button"]?.doubleValue ?? 0) >= 1)
        #expect(seen["secret_after_reload"] == false, "a secret is shown once only")
        #expect(seen["conflict"]?.stringValue?.contains("Someone else changed this flag") == true)
        #expect(seen["name_after_reload"] == "Checkout from window two")
        let audit = seen["audit_first"]?.stringValue ?? ""
        #expect(audit.contains("flag.updated") && audit.contains("new-checkout"), "\(audit)")
        #expect(audit.contains("+ name: \"Checkout from window two\""), "\(audit)")
        // What the page's JavaScript could read: the CSRF cookie, never the refresh token.
        let cookie = seen["document_cookie"]?.stringValue ?? ""
        #expect(cookie.hasPrefix("edgeflags_csrf=") && !cookie.contains("edgeflags_refresh") && !cookie.contains("eyJ"), "\(cookie)")
        #expect(seen["local_storage"] == "{}")
        let storage = seen["session_storage"]?.stringValue ?? ""
        #expect(!storage.contains("eyJ") && !storage.contains("ff_") && !storage.contains("fs_"), "\(storage)")
        #expect(seen["refresh_cookie_http_only"] == true)
        #expect(seen["refresh_cookie_same_site"] == "Strict")
        #expect(seen["narrow_switch_visible"] == true)
        #expect(seen["refresh_after_sign_out"]?.doubleValue == 401)
        #expect(seen["signed_in_again"] == true)
        #expect(seen["member_invited"] == true)
        #expect(seen["segment_row"]?.stringValue?.contains("plan eq pro") == true, "\(seen["segment_row"] ?? .null)")
        #expect((seen["webhook_received"]?.doubleValue ?? 0) >= 1)
        #expect(seen["webhook_deliveries"]?.stringValue?.contains("delivered (200)") == true, "\(seen["webhook_deliveries"] ?? .null)")
        let bob = try http("POST", base + "/v1/auth/login", token: nil,
                           body: #"{"email":"bob@acme.example","password":"bobs-first-password"}"#)
        #expect(bob.status == 200)
        if let access = bob.json["tokens"]?["access_token"]?.stringValue {
            let members = try http("GET", base + "/v1/members", token: access)
            #expect(members.json.arrayValue?.first { $0["email"] == "bob@acme.example" }?["role"] == "developer")
        }

        // Signed in with the admin token: the EdgeFlags pages of its project.
        #expect(seen["bad_token_error"] == "This token is unknown, revoked or expired.")
        #expect(seen["edge_switch_after"] == true && seen["edge_staging_after"] == false)
        let ciToken = try #require(seen["ci_token"]?.stringValue)
        #expect(ciToken.hasPrefix("ff_"))
        #expect(seen["ci_listed_after_revoke"]?.doubleValue == 0)
        #expect(try http("GET", base + "/api/v1/flags", token: ciToken).status == 401, "revoked in the console")
        #expect(seen["token_forgotten_on_reload"] == true)
        #expect(seen["try_staging"] == "edge-banner false disabled", "\(seen["try_staging"] ?? .null)")
        #expect(seen["try_production"] == "edge-banner true override", "\(seen["try_production"] ?? .null)")
        for (environment, expected) in [("production", true), ("staging", false)] {
            let answer = try http("POST", base + "/api/v1/evaluate", token: admin,
                                  body: #"{"context":{"user_id":"u1","environment":"\#(environment)"}}"#)
            #expect(answer.json["flags"]?["edge-banner"] == .bool(expected), "\(environment): \(answer.json)")
        }

        // The value the console set, served by both dialects' evaluation.
        let targeted = try evaluate(base + "/v1/evaluate", apiKey: fsKey,
                                body: #"{"flag_key":"new-checkout","context":{"key":"user-1","attributes":{"plan":"pro"}}}"#)
        #expect(targeted.json == ["flag_key": "new-checkout", "value": true, "reason": "TARGETED"], "\(targeted.json)")
        let others = try evaluate(base + "/v1/evaluate", apiKey: fsKey,
                              body: #"{"flag_key":"new-checkout","context":{"key":"user-2","attributes":{"plan":"free"}}}"#)
        #expect(others.json["value"] == false)
        let edge = try http("POST", base + "/api/v1/evaluate", token: ffToken,
                            body: #"{"context":{"user_id":"user-1","environment":"production","custom":{"plan":"pro"}}}"#)
        #expect(edge.status == 200)
        #expect(edge.json["flags"]?["new-checkout"] == true, "\(edge.json)")
    }

    /// `POST` with an `fs_` key, as an SDK would.
    func evaluate(_ url: String, apiKey: String, body: String) throws -> Reply {
        let output = try curl(["-X", "POST", "-w", "\n%{http_code}", url, "-H", "X-API-Key: \(apiKey)",
                               "-H", "Content-Type: application/json", "--data", body])
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        return Reply(status: Int(lines.last ?? "") ?? 0,
                     json: (try? JSONValue.parse(lines.dropLast().joined(separator: "\n"))) ?? .null)
    }
}
