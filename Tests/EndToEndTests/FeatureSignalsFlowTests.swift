import EdgeJSON
import Foundation
import Testing

/// Runs a program to its end without holding a thread of the cooperative pool (the test runner
/// has as many as there are CPUs, and other suites' servers need them): stdout goes to a file,
/// the exit is awaited through the termination handler.
func runAwaitingExit(_ executable: String, _ arguments: [String]) async throws -> String {
    let output = NSTemporaryDirectory() + "edgeworker-e2e-out-\(UUID().uuidString)"
    _ = FileManager.default.createFile(atPath: output, contents: nil)
    defer { try? FileManager.default.removeItem(atPath: output) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
    process.standardError = FileHandle.nullDevice
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        process.terminationHandler = { _ in continuation.resume() }
        do { try process.run() } catch { continuation.resume() }
    }
    return try String(contentsOfFile: output, encoding: .utf8)
}

/// The FeatureSignals seed flow of the README, against the real binary over HTTP only (curl), and
/// an event stream read by curl through the runner's chunked responses.
@Suite("End to end: the FeatureSignals flow", .serialized)
struct FeatureSignalsFlowTests {
    struct Reply {
        var status: Int
        var json: JSONValue
        var text: String
    }

    /// A FlagsWorker workspace with a real secret in `.dev.vars` (as a deployment would have).
    func workspace() throws -> String {
        let dir = try EdgeworkerBinary.makeWorkspace()
        let path = dir + "/wrangler-like.toml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: #"main = "HealthWorker""#, with: #"main = "FlagsWorker""#)
            .replacingOccurrences(of: #"ENVIRONMENT = "e2e""#, with: "ENVIRONMENT = \"e2e\"\nPASSWORD_SCRYPT_N = \"16384\"")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        try "JWT_SECRET=an-end-to-end-secret-of-more-than-32-bytes\n".write(toFile: dir + "/.dev.vars", atomically: true,
                                                                          encoding: .utf8)
        return dir
    }

    /// The real binary on a free loopback port, in a workspace of its own.
    func serve() throws -> (String, Process, String) {
        let dir = try workspace()
        do {
            let (server, port) = try EdgeworkerBinary.serve(in: dir)
            return (dir, server, "http://127.0.0.1:\(port)")
        } catch {
            try? FileManager.default.removeItem(atPath: dir)
            throw error
        }
    }

    func stop(_ dir: String, _ server: Process) {
        server.terminate()
        server.waitUntilExit()
        try? FileManager.default.removeItem(atPath: dir)
    }

    func http(_ method: String, _ url: String, bearer: String? = nil, apiKey: String? = nil, body: String? = nil) async throws
        -> Reply
    {
        var arguments = ["-X", method, "-w", "\n%{http_code}", url]
        if let bearer { arguments += ["-H", "Authorization: Bearer \(bearer)"] }
        if let apiKey { arguments += ["-H", "X-API-Key: \(apiKey)"] }
        if let body { arguments += ["-H", "Content-Type: application/json", "--data", body] }
        let output = try await runAwaitingExit("/usr/bin/curl", ["-s", "--max-time", "10"] + arguments)
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
        let text = lines.dropLast().joined(separator: "\n")
        return Reply(status: Int(lines.last ?? "") ?? 0, json: (try? JSONValue.parse(text)) ?? .null, text: text)
    }

    @Test func theSeedFlowWorksAsDocumented() async throws {
        let (dir, server, base) = try serve()
        defer { stop(dir, server) }

        let registered = try await http("POST", base + "/v1/auth/register",
                                  body: #"{"email":"ann@acme.io","password":"correct-horse","name":"Ann","org_name":"Acme Inc"}"#)
        #expect(registered.status == 201)
        #expect(registered.json["user"]?["email"] == "ann@acme.io")
        #expect(registered.json["organization"]?["slug"] == "acme-inc")
        #expect(registered.json["tokens"]?["expires_at"]?.doubleValue != nil)
        let first = try #require(registered.json["tokens"]?["refresh_token"]?.stringValue)

        let login = try await http("POST", base + "/v1/auth/login", body: #"{"email":"ann@acme.io","password":"correct-horse"}"#)
        #expect(login.status == 200)
        let access = try #require(login.json["tokens"]?["access_token"]?.stringValue)
        let wrong = try await http("POST", base + "/v1/auth/login", body: #"{"email":"ann@acme.io","password":"wrong-horse"}"#)
        #expect(wrong.status == 401)
        #expect(wrong.text == #"{"error":"invalid credentials"}"#)

        let refreshed = try await http("POST", base + "/v1/auth/refresh", body: "{\"refresh_token\":\"\(first)\"}")
        #expect(refreshed.status == 200)
        let rotated = try #require(refreshed.json["access_token"]?.stringValue)
        #expect(refreshed.json["refresh_token"]?.stringValue != first)
        #expect(try await http("POST", base + "/v1/auth/refresh", body: "{\"refresh_token\":\"\(first)\"}").status == 401)
        // Theft detection: the reuse revoked that session's new pair too, not the other login.
        #expect(try await http("GET", base + "/v1/projects", bearer: rotated).status == 401)

        let projects = try await http("GET", base + "/v1/projects", bearer: access)
        #expect(projects.status == 200)
        let project = try #require(projects.json.arrayValue?.first?["id"]?.stringValue)
        let environments = try await http("GET", base + "/v1/projects/\(project)/environments", bearer: access)
        let production = try #require(environments.json.arrayValue?.first { $0["slug"] == "production" }?["id"]?.stringValue)
        let created = try await http("POST", base + "/v1/environments/\(production)/api-keys", bearer: access,
                               body: #"{"name":"backend","type":"server"}"#)
        #expect(created.status == 201)
        let key = try #require(created.json["key"]?.stringValue)
        #expect(key.hasPrefix("fs_srv_"))
        #expect(try await http("POST", base + "/v1/projects/\(project)/flags", bearer: access,
                         body: #"{"key":"my-flag","name":"My flag"}"#).status == 201)
        #expect(try await http("PUT", base + "/v1/projects/\(project)/flags/my-flag/environments/\(production)", bearer: access,
                         body: #"{"enabled":true,"default_value":true}"#).status == 200)

        let evaluated = try await http("POST", base + "/v1/evaluate", apiKey: key,
                                 body: #"{"flag_key":"my-flag","context":{"key":"user-1"}}"#)
        #expect(evaluated.status == 200)
        #expect(evaluated.json == ["flag_key": "my-flag", "value": true, "reason": "FALLTHROUGH"])

        // The same account on the EdgeFlags dialect, through a minted ff_ token.
        let minted = try await http("POST", base + "/api/v1/tokens", bearer: access,
                              body: "{\"name\":\"sdk\",\"project_id\":\"\(project)\",\"permissions\":[\"read:flags\"]}")
        #expect(minted.status == 201)
        let token = try #require(minted.json["token"]?.stringValue)
        let edge = try await http("POST", base + "/api/v1/evaluate", bearer: token,
                            body: #"{"context":{"user_id":"user-1","environment":"production"}}"#)
        #expect(edge.json == ["flags": ["my-flag": true], "configs": [:]])

        #expect(try await http("POST", base + "/v1/auth/logout", bearer: access).status == 204)
        #expect(try await http("GET", base + "/v1/projects", bearer: access).json == ["error": "invalid or expired token"])
    }

    @Test func anEventStreamClientSeesAToggleOverHTTP() async throws {
        let (dir, server, base) = try serve()
        defer { stop(dir, server) }
        let registered = try await http("POST", base + "/v1/auth/register",
                                  body: #"{"email":"ann@acme.io","password":"correct-horse","name":"Ann","org_name":"Acme"}"#)
        let access = try #require(registered.json["tokens"]?["access_token"]?.stringValue)
        let project = try #require(try await http("GET", base + "/v1/projects", bearer: access).json.arrayValue?.first?["id"]?.stringValue)
        let environments = try await http("GET", base + "/v1/projects/\(project)/environments", bearer: access)
        let production = try #require(environments.json.arrayValue?.first { $0["slug"] == "production" }?["id"]?.stringValue)
        let key = try #require(try await http("POST", base + "/v1/environments/\(production)/api-keys", bearer: access,
                                        body: #"{"name":"sse"}"#).json["key"]?.stringValue)
        #expect(try await http("POST", base + "/v1/projects/\(project)/flags", bearer: access, body: #"{"key":"f","name":"F"}"#).status == 201)

        // curl writes the stream to a file as it arrives (-N), so the test can see where it is.
        let streamed = dir + "/stream-out"
        _ = FileManager.default.createFile(atPath: streamed, contents: nil)
        let reader = Process()
        reader.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        reader.arguments = ["-s", "-N", "--max-time", "30", "-H", "X-API-Key: \(key)", base + "/v1/stream/production"]
        reader.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: streamed))
        reader.standardError = FileHandle.nullDevice
        try reader.run()
        defer {
            // SIGKILL: curl started from the test runner was seen to outlive SIGTERM until --max-time.
            if reader.isRunning { kill(reader.processIdentifier, SIGKILL) }
            reader.waitUntilExit()
        }
        func streamText() -> String { (try? String(contentsOfFile: streamed, encoding: .utf8)) ?? "" }
        // The toggle must come after the stream is open: wait for the stream's first event.
        #expect(await eventually { streamText().contains("event: connected\n") }, "the stream never opened: \(streamText())")
        #expect(try await http("POST", base + "/v1/projects/\(project)/flags/f/kill", bearer: access,
                         body: "{\"env_id\":\"\(production)\"}").status == 200)
        #expect(await eventually { streamText().contains("event: flag-update\ndata: ") && streamText().contains("\"flag_key\":\"f\"") },
                "no flag-update: \(streamText())")
        let text = streamText()
        #expect(text.hasPrefix("event: connected\ndata: {\"env_id\":\"\(production)\"}\n\n"), "\(text)")
        #expect(text.contains("event: flag-update\ndata: "), "\(text)")
        #expect(text.contains("\"flag_key\":\"f\""), "\(text)")
    }

    @Test func theDefaultSecretStopsAProductionStartAndWarnsOtherwise() async throws {
        let dir = try EdgeworkerBinary.makeWorkspace(extraConfig: """

            [env.production]
            vars = { ENVIRONMENT = "production" }
            kv_namespaces = [ { binding = "TOKENS", id = "tokens" }, { binding = "FLAGS", id = "flags" } ]
            """)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/wrangler-like.toml"
        try String(contentsOfFile: path, encoding: .utf8).replacingOccurrences(of: #"main = "HealthWorker""#, with: #"main = "FlagsWorker""#)
            .write(toFile: path, atomically: true, encoding: .utf8)
        /// `edgeworker serve` in the workspace, its stderr in a file there.
        func serve(_ extra: [String], stderr name: String) throws -> (Process, String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: EdgeworkerBinary.path)
            process.arguments = ["serve", "--port", "0"] + extra
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            let errors = dir + "/" + name
            _ = FileManager.default.createFile(atPath: errors, contents: nil)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errors))
            try process.run()
            return (process, errors)
        }
        let (production, errors) = try serve(["--env", "production"], stderr: "production-stderr")
        let deadline = Date().addingTimeInterval(15)
        while production.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 50_000_000) }
        let stillRunning = production.isRunning
        if stillRunning { production.terminate() }
        production.waitUntilExit()
        #expect(!stillRunning, "serve started with the default JWT_SECRET in production")
        #expect(production.terminationStatus != 0)
        #expect(try String(contentsOfFile: errors, encoding: .utf8).contains("JWT_SECRET"))

        // In development it starts, and says so loudly on stderr.
        let (dev, warnings) = try serve([], stderr: "dev-stderr")
        let started = Date().addingTimeInterval(15)
        while Date() < started, !(try String(contentsOfFile: warnings, encoding: .utf8)).contains("WARNING") {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(dev.isRunning)
        dev.terminate()
        dev.waitUntilExit()
        #expect(try String(contentsOfFile: warnings, encoding: .utf8).contains("WARNING: JWT_SECRET is the default"))
    }
}
