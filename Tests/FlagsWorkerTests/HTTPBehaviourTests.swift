import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Foundation
import Testing

@Suite("EdgeFlags §1, §8: errors, caching, rate limits, CORS")
struct HTTPBehaviourTests {
    @Test func healthIsPublicWithItsCacheControl() async throws {
        let api = try await FlagsHarness(vars: ["ENVIRONMENT": "staging"])
        let health = await api.call("GET", "/health", token: "")
        #expect(health.json == ["status": "ok", "environment": "staging"])
        #expect(health.headers["Cache-Control"] == "private, max-age=10, stale-while-revalidate=30")
        // Built once per service, with its ETag: the same tag each time, and a 304 for it.
        let tag = try #require(health.headers["ETag"])
        #expect(await api.call("GET", "/health", token: "").headers["ETag"] == tag)
        let again = await api.call("GET", "/health", headers: ["If-None-Match": tag])
        #expect(again.status == 304)
        #expect(again.text.isEmpty)
        #expect(await api.call("GET", "/health", headers: ["If-None-Match": "\"0000000000000000\""]).status == 200)
    }

    @Test func etagRoundTripGives304() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true])
        let first = await api.call("GET", "/api/v1/flags")
        let tag = try #require(first.headers["ETag"])
        #expect(tag.wholeMatch(of: /"[0-9a-f]{16}"/) != nil)
        #expect(first.headers["Cache-Control"] == "private, max-age=30")
        let again = await api.call("GET", "/api/v1/flags", headers: ["If-None-Match": tag, "Authorization": "Bearer \(api.admin)"])
        #expect(again.status == 304)
        #expect(again.text.isEmpty)
        _ = await api.call("PUT", "/api/v1/flags/f", json: ["enabled": false])
        let changed = await api.call("GET", "/api/v1/flags", headers: ["If-None-Match": tag, "Authorization": "Bearer \(api.admin)"])
        #expect(changed.status == 200)
    }

    @Test func cacheControlFollowsTheSpec() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true])
        _ = await api.call("POST", "/api/v1/configs", json: ["key": "c", "value": 1])
        #expect(await api.call("GET", "/api/v1/flags/f").headers["Cache-Control"] == "private, max-age=10")
        #expect(await api.call("GET", "/api/v1/configs").headers["Cache-Control"] == "private, max-age=60")
        #expect(await api.call("GET", "/api/v1/configs/c").headers["Cache-Control"] == "private, max-age=60")
        #expect(await api.call("GET", "/api/v1/segments").headers["Cache-Control"] == "private, max-age=30")
        #expect(await api.call("GET", "/openapi.json").headers["Cache-Control"] == "private, max-age=3600")
    }

    @Test func rateLimitHeadersAndThe429() async throws {
        let api = try await FlagsHarness(vars: ["RATE_LIMIT_MANAGEMENT_PER_MINUTE": "3", "RATE_LIMIT_EVALUATIONS_PER_MINUTE": "2"])
        let first = await api.call("GET", "/api/v1/flags")
        #expect(first.headers["X-RateLimit-Limit"] == "3")
        #expect(first.headers["X-RateLimit-Remaining"] == "2")
        let reset = try #require(first.headers["X-RateLimit-Reset"].flatMap(Int64.init))
        #expect(reset > Int64(api.clock.now * 1000) && reset <= Int64(api.clock.now * 1000) + 60_000)
        _ = await api.call("GET", "/api/v1/flags")
        _ = await api.call("GET", "/api/v1/flags")
        let limited = await api.call("GET", "/api/v1/flags")
        #expect(limited.status == 429)
        #expect(limited.json == ["error": "Rate limit exceeded", "code": "RATE_LIMITED"])
        #expect(Int(limited.headers["Retry-After"] ?? "") ?? 0 >= 1)
        #expect(limited.headers["X-RateLimit-Remaining"] == "0")
        // Evaluations have their own budget.
        #expect(await api.call("POST", "/api/v1/evaluate", body: "{}").status == 200)
        api.clock.advance(by: 60)
        #expect(await api.call("GET", "/api/v1/flags").status == 200)
    }

    @Test func corsPreflightAndHeaders() async throws {
        let api = try await FlagsHarness()
        let preflight = await api.call("OPTIONS", "/api/v1/evaluate", headers: ["Origin": "https://app.example",
                                                                                "Access-Control-Request-Method": "POST"])
        #expect(preflight.status == 204)
        #expect(preflight.headers["Access-Control-Allow-Headers"]?.contains("Authorization") == true)
        #expect(preflight.headers["Access-Control-Allow-Headers"]?.contains("Content-Type") == true)
        #expect(await api.call("GET", "/api/v1/flags").headers["Access-Control-Allow-Origin"] == "*")
    }

    @Test func badInputIsAlwaysA4xxWithTheErrorBody() async throws {
        let api = try await FlagsHarness()
        let cases: [(String, String, [UInt8], Int)] = [
            ("POST", "/api/v1/flags", Array("{\"key\":".utf8), 400),
            ("POST", "/api/v1/flags", Array("[1,2]".utf8), 400),
            ("POST", "/api/v1/flags", [0x7B, 0x22, 0xC3, 0x28, 0x22, 0x3A, 0x31, 0x7D], 400),  // bad UTF-8
            ("POST", "/api/v1/flags", Array("{\"key\":1,\"enabled\":true}".utf8), 400),
            ("POST", "/api/v1/evaluate", Array("{\"context\":\"me\"}".utf8), 400),
            ("POST", "/api/v1/evaluate", Array("{\"context\":{\"segments\":\"x\"}}".utf8), 400),
            ("POST", "/api/v1/evaluate", Array("{\"flags\":\"a\"}".utf8), 400),
            ("PUT", "/api/v1/project", Array("{\"name\":42}".utf8), 400),
            ("GET", "/api/v2/flags", [], 404),
            ("DELETE", "/api/v1/evaluate", [], 405),
            ("PATCH", "/api/v1/flags", [], 405),
            ("GET", "/api/v1/flags/%ZZ", [], 404),
        ]
        for (method, path, body, status) in cases {
            let response = await api.harness.dispatch(Request(method: method, target: path,
                                                              headers: ["Authorization": "Bearer \(api.admin)"], body: body))
            #expect(response.status == status, "\(method) \(path)")
            let json = try JSONValue.parse(response.bodyBytes ?? [])
            #expect(json["error"]?.stringValue != nil && json["code"]?.stringValue != nil, "\(method) \(path)")
        }
    }
}

@Suite("EdgeFlags §7: project, environments, audit")
struct ProjectAuditTests {
    @Test func defaultProjectExistsOnAnEmptyStore() async throws {
        let api = try await FlagsHarness()
        #expect(await api.call("GET", "/api/v1/project").json ==
                ["id": "default", "name": "Default Project", "slug": "default",
                 "environments": ["development", "staging", "production"]])
    }

    @Test func environmentsAreAddedAndTheLastCannotBeDeleted() async throws {
        let api = try await FlagsHarness()
        #expect(await api.call("POST", "/api/v1/project/environments", json: ["name": "qa"]).status == 201)
        #expect(await api.call("POST", "/api/v1/project/environments", json: ["name": "qa"]).status == 409)
        #expect(await api.call("POST", "/api/v1/project/environments", json: ["name": "Bad Name"]).status == 400)
        #expect(await api.call("GET", "/api/v1/project/environments").json ==
                ["environments": ["development", "staging", "production", "qa"]])
        for name in ["qa", "development", "staging"] {
            #expect(await api.call("DELETE", "/api/v1/project/environments/\(name)").status == 200)
        }
        let last = await api.call("DELETE", "/api/v1/project/environments/production")
        #expect(last.status == 400)
        #expect(await api.call("DELETE", "/api/v1/project/environments/none").status == 404)
        #expect(await api.call("PUT", "/api/v1/project", json: ["name": "Acme"]).json["name"] == "Acme")
    }

    @Test func everyChangeIsAuditedNewestFirstWithBeforeAndAfter() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true])
        api.clock.advance(by: 1)
        _ = await api.call("PUT", "/api/v1/flags/f", json: ["enabled": false])
        api.clock.advance(by: 1)
        _ = await api.call("POST", "/api/v1/configs", json: ["key": "c", "value": 1])
        api.clock.advance(by: 1)
        _ = await api.call("DELETE", "/api/v1/flags/f")
        let all = await api.call("GET", "/api/v1/audit")
        let entries = try #require(all["entries"]?.arrayValue)
        #expect(entries.map { $0["action"] } == ["delete", "create", "update", "create"])
        #expect(entries.first?["actor"]?.stringValue == String(api.admin.prefix(12)) + "...")
        let updates = await api.call("GET", "/api/v1/audit?resource_type=flag&resource_key=f")
        let update = try #require(updates["entries"]?.arrayValue?.first { $0["action"] == "update" })
        #expect(update["before"]?["enabled"] == true)
        #expect(update["after"]?["enabled"] == false)
        #expect(update["project_id"] == "default")
        #expect(updates["total"] == 3)
        #expect(!all.text.contains(api.admin))
    }
}

@Suite("EdgeFlags: /openapi.json and /docs")
struct OpenAPITests {
    @Test func everyRouteIsDescribedAndEveryReferenceResolves() async throws {
        let api = try await FlagsHarness()
        let document = await api.call("GET", "/openapi.json", token: "").json
        let paths = try #require(document["paths"]?.objectValue)
        for route in RouteTable.all {
            #expect(paths[route.path]?[route.method.lowercased()] != nil, "\(route.method) \(route.path)")
        }
        let schemas = try #require(document["components"]?["schemas"]?.objectValue)
        func references(_ value: JSONValue) -> [String] {
            switch value {
            case .object(let fields):
                return (fields["$ref"]?.stringValue.map { [$0] } ?? []) + fields.values.flatMap(references)
            case .array(let items): return items.flatMap(references)
            default: return []
            }
        }
        for reference in references(document) {
            #expect(schemas[String(reference.split(separator: "/").last!)] != nil, "\(reference)")
        }
        let docs = await api.call("GET", "/docs", token: "")
        #expect(docs.text.contains("/openapi.json"))
        #expect(!docs.text.contains("http://") && !docs.text.contains("https://"))
    }

    /// What schemathesis found the document getting wrong (schema-valid requests refused, invalid
    /// ones accepted, undocumented statuses), as the document now states it.
    @Test func documentStatesWhatTheServerEnforces() throws {
        let document = try JSONValue.parse(EdgeFlagsOpenAPI.document)
        let paths = try #require(document["paths"])
        let schemas = try #require(document["components"]?["schemas"])
        for (path, schema) in [("/api/v1/flags/{key}", "FlagUpdate"), ("/api/v1/configs/{key}", "ConfigUpdate"),
                               ("/api/v1/segments/{key}", "SegmentUpdate")] {
            // A merge takes any subset of the fields, and not the key.
            #expect(paths[path]?["put"]?["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"]
                    == .string("#/components/schemas/\(schema)"))
            #expect(schemas[schema]?["required"] == nil)
            #expect(schemas[schema]?["properties"]?["key"] == nil)
            #expect(paths[path]?["delete"]?["responses"]?["409"] != nil, "If-Match on DELETE \(path)")
        }
        #expect(paths["/api/v1/evaluate"]?["post"]?["requestBody"]?["required"] == false)
        let context = paths["/api/v1/flags/{key}"]?["get"]?["parameters"]?.arrayValue?.first { $0["name"] == "context" }
        #expect(context?["content"]?["application/json"]?["schema"]?["$ref"] == "#/components/schemas/Context")
        #expect(schemas["ConfigInput"]?["properties"]?["value"]?["anyOf"]?.arrayValue?.count == 5, "a config value is never null")
        #expect(schemas["FlagUpdate"]?["properties"]?["name"]?["nullable"] == true, "null removes a field in a merge")
        #expect(schemas["TokenInput"]?["properties"]?["name"]?["minLength"] == 1)
        #expect(schemas["WebhookInput"]?["properties"]?["events"]?["items"]?["enum"]?.arrayValue?.count == Webhooks.events.count)
        for path in ["/api/v1/flags", "/api/v1/configs", "/api/v1/segments", "/api/v1/audit"] {
            #expect(paths[path]?["get"]?["responses"]?["400"] != nil, "limit/offset of \(path)")
        }
        #expect(paths["/api/v1/project/environments/{name}"]?["delete"]?["responses"]?["400"] != nil)
        #expect(schemas["Error"]?["properties"]?["code"]?["enum"]?.arrayValue?.contains("BAD_REQUEST") == true)
    }

    @Test func documentValidatesWithOpenAPISpecValidator() async throws {
        let available = await Process.run("python3", ["-c", "import openapi_spec_validator"]) == 0
        guard available else {
            Issue.record("openapi-spec-validator is not installed: pip install openapi-spec-validator (scripts/test does)")
            return
        }
        let path = NSTemporaryDirectory() + "edgeflags-openapi-\(UUID().uuidString).json"
        try Data(EdgeFlagsOpenAPI.document).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(await Process.run("python3", ["-m", "openapi_spec_validator", path]) == 0)
    }
}

extension Process {
    /// Runs a program to completion on a thread of its own (never blocking the test pool), output
    /// discarded; its exit status.
    static func run(_ program: String, _ arguments: [String]) async -> Int32 {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: runBlocking(program, arguments)) }.start()
        }
    }

    private static func runBlocking(_ program: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
