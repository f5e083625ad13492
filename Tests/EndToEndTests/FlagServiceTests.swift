import EdgeJSON
import EdgeKV
import Foundation
import Testing

/// The documented flow, against the real binary, over HTTP only (curl) — plus a real WebSocket
/// client (Python's `websockets`) on `/stream/flags`.
@Suite("End to end: the flag service", .serialized)
struct FlagServiceTests {
    /// scrypt at its production cost takes seconds in a debug build on a busy machine (more than
    /// curl's 5 s limit under CI load), so accounts registered here use a cheaper cost.
    func workspace() throws -> String {
        try EdgeworkerBinary.makeWorkspace(main: "FlagsWorker", vars: ["PASSWORD_SCRYPT_N": "16384"])
    }

    @Test func documentedFlowFromTheFirstAdminTokenToARevokedOne() throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let created = try EdgeworkerBinary.run(["token", "create", "--project", "default", "--permissions", "*", "--name", "admin"], in: dir)
        #expect(created.status == 0, "\(created.err)")
        let admin = created.out.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(admin.hasPrefix("ff_defa_") && admin.count == 28)
        let (server, port) = try EdgeworkerBinary.serve(in: dir)
        defer { server.terminate(); server.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"

        #expect(try http("GET", base + "/health", token: nil).json == ["status": "ok", "environment": "e2e"])
        let minted = try http("POST", base + "/api/v1/tokens", token: admin,
                              body: #"{"name":"sdk","project_id":"default","permissions":["read:flags","read:configs"]}"#)
        #expect(minted.status == 201)
        let sdk = try #require(minted.json["token"]?.stringValue)
        let listed = try http("GET", base + "/api/v1/tokens", token: admin)
        #expect(listed.json["tokens"]?.arrayValue?.count == 2)
        #expect(!listed.json.jsonString.contains(sdk))
        #expect(!listed.json.jsonString.contains(admin))

        #expect(try http("POST", base + "/api/v1/segments", token: admin,
                         body: #"{"key":"beta","conditions":[{"property":"email","operator":"ends_with","value":"@beta.io"}]}"#).status == 201)
        #expect(try http("POST", base + "/api/v1/flags", token: admin, body: """
            {"key":"new-checkout","enabled":true,"targeting":{"rules":[
              {"conditions":[{"property":"segment","operator":"in","value":["beta"]}],"value":"beta"},
              {"conditions":[{"property":"plan","operator":"equals","value":"pro"}],"value":"pro"}]}}
            """).status == 201)
        #expect(try http("POST", base + "/api/v1/configs", token: admin,
                         body: #"{"key":"theme","value":"light","environments":{"production":{"value":"dark"}}}"#).status == 201)
        #expect(try http("POST", base + "/api/v1/flags", token: sdk, body: #"{"key":"x","enabled":true}"#).status == 403)

        let contexts: [(String, JSONValue)] = [
            (#"{"context":{"user_id":"a","email":"a@beta.io"}}"#, ["flags": ["new-checkout": "beta"], "configs": ["theme": "light"]]),
            (#"{"context":{"user_id":"b","plan":"pro","environment":"production"}}"#,
             ["flags": ["new-checkout": "pro"], "configs": ["theme": "dark"]]),
            (#"{"context":{"user_id":"c"}}"#, ["flags": ["new-checkout": false], "configs": ["theme": "light"]]),
        ]
        for (body, expected) in contexts {
            let answer = try http("POST", base + "/api/v1/evaluate", token: sdk, body: body)
            #expect(answer.status == 200)
            #expect(answer.json == expected, "\(body)")
        }
        let single = try http("GET", base + "/api/v1/flags/new-checkout?context=%7B%22plan%22%3A%22pro%22%7D", token: sdk)
        #expect(single.json == ["value": "pro", "type": "string", "reason": "targeting"])

        let hash = try #require(listed.json["tokens"]?.arrayValue?.first { $0["name"] == "sdk" }?["hash"]?.stringValue)
        #expect(try http("DELETE", base + "/api/v1/tokens/\(hash)", token: admin).status == 200)
        let revoked = try http("POST", base + "/api/v1/evaluate", token: sdk, body: "{}")
        #expect(revoked.status == 401)
        #expect(revoked.json == ["error": "Unauthorized", "code": "UNAUTHORIZED"])
    }

    /// A flag written into the store by another process (here: this test, as the CLI would) is
    /// served at once by the next request that follows one of the server's own writes, even when
    /// that write lands before the server's 250 ms poll for other processes' commits.
    @Test func anotherProcessesFlagWriteIsNotHiddenByTheServersNextWrite() async throws {
        try await withAdminServer { base, admin, dir in
            #expect(try http("POST", base + "/api/v1/flags", token: admin, body: #"{"key":"ext","enabled":true,"value":"v0"}"#).status == 201)
            #expect(try http("GET", base + "/api/v1/flags/ext", token: admin).json["value"] == "v0")
            // A refresh rotates a session in TOKENS only (a token creation would also audit into FLAGS).
            let registered = try http("POST", base + "/v1/auth/register", token: nil,
                                      body: #"{"email":"ops@example.com","password":"correct-horse-battery","name":"Ops","org_name":"Ops"}"#)
            var refresh = try #require(registered.json["tokens"]?["refresh_token"]?.stringValue)
            var options = KVStoreOptions()
            options.mapSizeBytes = 256 << 20
            for round in 1...5 {
                let writer = try KVStore(directory: dir + "/store", namespaces: ["flags", "tokens"], options: options)
                _ = try await writer.namespace("flags")!.put("flag:default:ext", #"{"key":"ext","enabled":true,"value":"v\#(round)","version":\#(round + 1)}"#)
                writer.close()
                // A write of the server's own, to another namespace, before its poll notices the one above.
                let rotated = try http("POST", base + "/v1/auth/refresh", token: nil, body: #"{"refresh_token":"\#(refresh)"}"#)
                refresh = try #require(rotated.json["refresh_token"]?.stringValue ?? rotated.json["tokens"]?["refresh_token"]?.stringValue)
                #expect(try http("GET", base + "/api/v1/flags/ext", token: admin).json["value"] == .string("v\(round)"), "round \(round)")
            }
        }
    }

    /// A FlagsWorker server on a fresh workspace with an admin token, stopped and removed after `body`.
    func withAdminServer(_ body: (_ base: String, _ admin: String, _ dir: String) async throws -> Void) async throws {
        let dir = try workspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let admin = try EdgeworkerBinary.run(["token", "create", "--permissions", "*", "--name", "admin"], in: dir)
            .out.trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, port) = try EdgeworkerBinary.serve(in: dir)
        defer { server.terminate(); server.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"
        try await body(base, admin, dir)
    }

    @Test func aWebSocketClientGetsASnapshotThenADiffWithinOneSecond() async throws {
        guard WebSocketProbe.available else {
            Issue.record("Python's websockets package is missing (scripts/test installs it)")
            return
        }
        try await withAdminServer { base, admin, dir in
            #expect(try http("POST", base + "/api/v1/flags", token: admin, body: #"{"key":"banner","enabled":true,"value":"v1"}"#).status == 201)
            let probe = try await WebSocketProbe.subscribe("ws" + base.dropFirst("http".count) + "/stream/flags?token=\(admin)",
                                                           context: #"{"user_id": "u1"}"#, directory: dir)
            #expect(try http("PUT", base + "/api/v1/flags/banner", token: admin, body: #"{"value":"v2"}"#).status == 200)
            let heard = try await probe.collect().get()
            #expect(heard.snapshot == ["type": "snapshot", "flags": ["banner": "v1"], "configs": [:]])
            #expect(heard.next == ["type": "diff", "changes": [["type": "flag", "kind": "flag", "key": "banner", "value": "v2"]]])
            #expect(heard.seconds < 1)
        }
    }
}

extension EdgeworkerBinary {
    /// Runs another program to completion (status, stdout).
    static func runTool(_ program: String, _ arguments: [String]) throws -> (status: Int32, out: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
