import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// The one place these tests read the route table's internals: every route with an immediate
/// handler, as `"METHOD /path/{param}"` (`Route.serveNow` is set exactly for the routes whose gate
/// and handler never suspend).
func immediateRouteNames() -> Set<String> {
    Set(RouteTable.all.filter { $0.serveNow != nil }.map { "\($0.method) \($0.path)" })
}

/// `Worker.immediateResponse` must answer exactly what `fetch` would: the runner asks it first and
/// sends what it says, so any difference is a difference the client sees depending on which path
/// served it. Every route with an immediate handler, in both dialects, with its successes and its
/// failures; the route list comes from the route table, so a new immediate route fails here until
/// it has cases of its own.
@Suite("The immediate answer is the answer fetch gives")
struct ImmediateAnswerTests {
    struct Case {
        /// The route it exercises (`"METHOD /path/{param}"`), or nil for an answer given before routing.
        var route: String?
        var name: String
        /// What both answers must say: the case is the case it claims to be.
        var status: Int
        var request: Request
        var succeeds: Bool { status < 400 }
    }

    /// A store with both dialects' data, tokens and keys of each kind the cases need, and one token
    /// and one key whose evaluation budget is spent. Limits are small so spending one is cheap.
    struct World {
        let fs: FSHarness
        var api: FlagsHarness { fs.base }
        let account: FSAccount
        let readFlags: String, readConfigs: String, writeOnly: String, limitedToken: String
        let serverKey: String, stagingKey: String, limitedKey: String

        static let limits: [String: JSONValue] = ["RATE_LIMIT_EVALUATIONS_PER_MINUTE": "100",
                                                  "RATE_LIMIT_API_KEY_PER_MINUTE": "100",
                                                  "RATE_LIMIT_MANAGEMENT_PER_MINUTE": "300"]

        static func make() async throws -> World {
            let fs = try await FSHarness(vars: limits)
            let api = fs.base
            await api.createFlag(["key": "beta", "enabled": true, "type": "string", "defaultValue": "off", "targeting": [
                "rules": [["conditions": [["property": "plan", "operator": "equals", "value": "pro"]], "value": "pro-value"]],
                "rollout": ["percentage": 50]]])
            await api.createFlag(["key": "dark", "enabled": false, "value": "off"])
            let config = await api.call("POST", "/api/v1/configs", json: ["key": "limits", "value": ["max": 10]])
            #expect(config.status == 201, "\(config.text)")
            let override = await api.call("PUT", "/api/v1/configs/limits/environments/production", json: ["value": ["max": 99]])
            #expect(override.status == 200, "\(override.text)")

            let account = try await fs.register()
            try await fs.flag(account, ["key": "f", "name": "F"])
            try await fs.state(account, "f", ["enabled": true, "default_value": "prod"])
            try await fs.flag(account, ["key": "g", "name": "G"])

            let world = World(fs: fs, account: account,
                              readFlags: try await api.token(["read:flags"], name: "flags"),
                              readConfigs: try await api.token(["read:configs"], name: "configs"),
                              writeOnly: try await api.token(["write:flags"], name: "write"),
                              limitedToken: try await api.token(["*"], name: "limited"),
                              serverKey: try await fs.apiKey(account),
                              stagingKey: try await fs.apiKey(account, env: "staging"),
                              limitedKey: try await fs.apiKey(account))
            try await world.spendBudgets()
            return world
        }

        /// Sends requests with the limited credentials until they are refused with 429.
        func spendBudgets() async throws {
            let spenders = [
                Request(method: "POST", target: "/api/v1/evaluate", headers: ["Authorization": "Bearer \(limitedToken)"]),
                Request(method: "GET", target: "/api/v1/configs/limits", headers: ["Authorization": "Bearer \(limitedToken)"]),
                Request(method: "POST", target: "/v1/evaluate/bulk", headers: ["X-API-Key": limitedKey], body: Array("{}".utf8)),
            ]
            for request in spenders {
                var status = 0
                for _ in 0..<1000 where status != 429 { status = await api.harness.dispatch(request).status }
                try #require(status == 429, "\(request.method) \(request.target) was never refused")
            }
        }

        func bearer(_ token: String) -> Headers { ["Authorization": "Bearer \(token)"] }
        func key(_ key: String) -> Headers { ["X-API-Key": key] }

        /// The `ETag` of a successful answer to `request`, for its conditional twin.
        func tag(of request: Request) async throws -> String {
            try #require(await api.harness.dispatch(request).headers["ETag"], "no ETag for \(request.target)")
        }

        /// Every case, made afresh (ETags depend on the data as it is now).
        func cases() async throws -> [Case] {
            let admin = bearer(api.admin)
            let pro = "context=" + (#"{"plan":"pro"}"#.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            let jwtShaped = "Bearer " + account.access
            var twoCredentials = Headers()
            twoCredentials.add("Authorization", "Bearer \(api.admin)")
            twoCredentials.add("Authorization", "Bearer \(readFlags)")
            func request(_ method: String, _ target: String, _ headers: Headers = [:], body: String? = nil) -> Request {
                var headers = headers
                if body != nil { headers["Content-Type"] = "application/json" }
                return Request(method: method, target: target, headers: headers, body: Array((body ?? "").utf8))
            }
            func conditional(_ plain: Request) async throws -> Request {
                var headers = plain.headers
                headers["If-None-Match"] = try await tag(of: plain)
                return Request(method: plain.method, target: plain.target, headers: headers, body: plain.body)
            }

            let health = "GET /health"
            let flag = "GET /api/v1/flags/{key}"
            let config = "GET /api/v1/configs/{key}"
            let evaluate = "POST /api/v1/evaluate"
            let fsOne = "POST /v1/evaluate"
            let fsBulk = "POST /v1/evaluate/bulk"
            let fsClient = "GET /v1/client/{envKey}/flags"
            let ofrepOne = "POST /ofrep/v1/evaluate/flags/{key}"
            let ofrepBulk = "POST /ofrep/v1/evaluate/flags"
            let ofrepConfiguration = "GET /ofrep/v1/configuration"
            let ofrepBody = #"{"context":{"targetingKey":"user-1","plan":"pro"}}"#
            let ofrepBulkRequest = request("POST", "/ofrep/v1/evaluate/flags", bearer(readFlags), body: ofrepBody)
            let ofrepConfigurationRequest = request("GET", "/ofrep/v1/configuration", bearer(readFlags))
            let evaluateBody = #"{"context":{"user_id":"u-1","plan":"pro"}}"#
            let fsBody = #"{"flag_key":"f","context":{"key":"user-1"}}"#

            return [
                Case(route: health, name: "liveness", status: 200, request: request("GET", "/health")),
                Case(route: health, name: "304 for its own ETag", status: 304,
                     request: try await conditional(request("GET", "/health"))),
                Case(route: health, name: "unreadable query", status: 400, request: request("GET", "/health?x=%FF")),
                Case(route: health, name: "HEAD", status: 200, request: request("HEAD", "/health")),

                Case(route: flag, name: "a rule matches", status: 200, request: request("GET", "/api/v1/flags/beta?\(pro)", admin)),
                Case(route: flag, name: "no context", status: 200, request: request("GET", "/api/v1/flags/beta", bearer(readFlags))),
                Case(route: flag, name: "disabled flag", status: 200, request: request("GET", "/api/v1/flags/dark", admin)),
                Case(route: flag, name: "304 with If-None-Match", status: 304,
                     request: try await conditional(request("GET", "/api/v1/flags/beta?\(pro)", admin))),
                Case(route: flag, name: "a stale If-None-Match", status: 200,
                     request: request("GET", "/api/v1/flags/beta", ["Authorization": "Bearer \(api.admin)", "If-None-Match": "\"0000\""])),
                Case(route: flag, name: "HEAD, 304 with If-None-Match", status: 304,
                     request: try await conditional(request("HEAD", "/api/v1/flags/beta?\(pro)", admin))),
                Case(route: flag, name: "unknown flag", status: 404, request: request("GET", "/api/v1/flags/ghost", admin)),
                Case(route: flag, name: "no credential", status: 401, request: request("GET", "/api/v1/flags/beta")),
                Case(route: flag, name: "unknown token", status: 401,
                     request: request("GET", "/api/v1/flags/beta", bearer("ff_defa_nope"))),
                Case(route: flag, name: "an account JWT", status: 401,
                     request: request("GET", "/api/v1/flags/beta", ["Authorization": jwtShaped])),
                Case(route: flag, name: "two Authorization headers", status: 400,
                     request: request("GET", "/api/v1/flags/beta", twoCredentials)),
                Case(route: flag, name: "forbidden: configs only", status: 403,
                     request: request("GET", "/api/v1/flags/beta", bearer(readConfigs))),
                Case(route: flag, name: "rate-limited", status: 429,
                     request: request("GET", "/api/v1/flags/beta", bearer(limitedToken))),
                Case(route: flag, name: "context is not JSON", status: 400,
                     request: request("GET", "/api/v1/flags/beta?context=%7Bnope", admin)),
                Case(route: flag, name: "unreadable query", status: 400,
                     request: request("GET", "/api/v1/flags/beta?context=%FF", admin)),

                Case(route: config, name: "base value", status: 200, request: request("GET", "/api/v1/configs/limits", bearer(readConfigs))),
                Case(route: config, name: "environment value", status: 200,
                     request: request("GET", "/api/v1/configs/limits?environment=production", admin)),
                Case(route: config, name: "304 with If-None-Match", status: 304,
                     request: try await conditional(request("GET", "/api/v1/configs/limits", admin))),
                Case(route: config, name: "HEAD", status: 200, request: request("HEAD", "/api/v1/configs/limits", admin)),
                Case(route: config, name: "unknown config", status: 404, request: request("GET", "/api/v1/configs/ghost", admin)),
                Case(route: config, name: "unknown token", status: 401,
                     request: request("GET", "/api/v1/configs/limits", bearer("ff_defa_nope"))),
                Case(route: config, name: "forbidden: flags only", status: 403,
                     request: request("GET", "/api/v1/configs/limits", bearer(readFlags))),
                Case(route: config, name: "rate-limited", status: 429,
                     request: request("GET", "/api/v1/configs/limits", bearer(limitedToken))),

                Case(route: evaluate, name: "everything for a context", status: 200,
                     request: request("POST", "/api/v1/evaluate", admin, body: evaluateBody)),
                Case(route: evaluate, name: "listed flags and configs", status: 200,
                     request: request("POST", "/api/v1/evaluate", admin,
                                      body: #"{"context":{"plan":"pro"},"flags":["beta","ghost"],"configs":["limits"]}"#)),
                Case(route: evaluate, name: "flags only for a flags token", status: 200,
                     request: request("POST", "/api/v1/evaluate", bearer(readFlags), body: evaluateBody)),
                Case(route: evaluate, name: "no body", status: 200, request: request("POST", "/api/v1/evaluate", bearer(readConfigs))),
                Case(route: evaluate, name: "unknown token", status: 401,
                     request: request("POST", "/api/v1/evaluate", bearer("nope"), body: evaluateBody)),
                Case(route: evaluate, name: "forbidden: no read permission", status: 403,
                     request: request("POST", "/api/v1/evaluate", bearer(writeOnly), body: evaluateBody)),
                Case(route: evaluate, name: "rate-limited", status: 429,
                     request: request("POST", "/api/v1/evaluate", bearer(limitedToken), body: evaluateBody)),
                Case(route: evaluate, name: "body is not JSON", status: 400,
                     request: request("POST", "/api/v1/evaluate", admin, body: "{nope")),
                Case(route: evaluate, name: "flags is not a list", status: 400,
                     request: request("POST", "/api/v1/evaluate", admin, body: #"{"flags":"beta"}"#)),

                Case(route: fsOne, name: "one flag", status: 200, request: request("POST", "/v1/evaluate", key(serverKey), body: fsBody)),
                Case(route: fsOne, name: "another environment's state", status: 200,
                     request: request("POST", "/v1/evaluate", key(stagingKey), body: fsBody)),
                Case(route: fsOne, name: "unknown flag", status: 200,
                     request: request("POST", "/v1/evaluate", key(serverKey), body: #"{"flag_key":"ghost","context":{"key":"u"}}"#)),
                Case(route: fsOne, name: "missing key", status: 401, request: request("POST", "/v1/evaluate", body: fsBody)),
                Case(route: fsOne, name: "unknown key", status: 401,
                     request: request("POST", "/v1/evaluate", key("fs_srv_nope"), body: fsBody)),
                Case(route: fsOne, name: "rate-limited", status: 429,
                     request: request("POST", "/v1/evaluate", key(limitedKey), body: fsBody)),
                Case(route: fsOne, name: "body is not JSON", status: 400,
                     request: request("POST", "/v1/evaluate", key(serverKey), body: "{nope")),
                Case(route: fsOne, name: "no flag_key", status: 400,
                     request: request("POST", "/v1/evaluate", key(serverKey), body: #"{"context":{"key":"u"}}"#)),

                Case(route: fsBulk, name: "every flag", status: 200,
                     request: request("POST", "/v1/evaluate/bulk", key(serverKey), body: #"{"context":{"key":"user-1"}}"#)),
                Case(route: fsBulk, name: "listed flags", status: 200,
                     request: request("POST", "/v1/evaluate/bulk", key(serverKey),
                                      body: #"{"flag_keys":["g","f","ghost"],"context":{"key":"user-1"}}"#)),
                Case(route: fsBulk, name: "missing key", status: 401,
                     request: request("POST", "/v1/evaluate/bulk", body: #"{"context":{"key":"u"}}"#)),
                Case(route: fsBulk, name: "unknown key", status: 401,
                     request: request("POST", "/v1/evaluate/bulk", key("fs_srv_nope"), body: #"{"context":{"key":"u"}}"#)),
                Case(route: fsBulk, name: "rate-limited", status: 429,
                     request: request("POST", "/v1/evaluate/bulk", key(limitedKey), body: #"{"context":{"key":"u"}}"#)),
                Case(route: fsBulk, name: "flag_keys is not a list", status: 400,
                     request: request("POST", "/v1/evaluate/bulk", key(serverKey), body: #"{"flag_keys":"f","context":{"key":"u"}}"#)),
                Case(route: fsBulk, name: "more than 100 keys", status: 400,
                     request: request("POST", "/v1/evaluate/bulk", key(serverKey),
                                      body: "{\"context\":{\"key\":\"u\"},\"flag_keys\":[" + (0...100).map { "\"k\($0)\"" }.joined(separator: ",") + "]}")),

                Case(route: fsClient, name: "a user's values", status: 200,
                     request: request("GET", "/v1/client/production/flags?key=user-1", key(serverKey))),
                Case(route: fsClient, name: "anonymous", status: 200,
                     request: request("GET", "/v1/client/staging/flags", key(stagingKey))),
                Case(route: fsClient, name: "If-None-Match (no ETags in this dialect)", status: 200,
                     request: request("GET", "/v1/client/production/flags?key=user-1",
                                      ["X-API-Key": serverKey, "If-None-Match": "*"])),
                Case(route: fsClient, name: "HEAD", status: 200,
                     request: request("HEAD", "/v1/client/production/flags?key=user-1", key(serverKey))),
                Case(route: fsClient, name: "forbidden: another environment's key", status: 403,
                     request: request("GET", "/v1/client/production/flags", key(stagingKey))),
                Case(route: fsClient, name: "missing key", status: 401, request: request("GET", "/v1/client/production/flags")),
                Case(route: fsClient, name: "unknown key", status: 401,
                     request: request("GET", "/v1/client/production/flags", key("fs_cli_nope"))),
                Case(route: fsClient, name: "rate-limited", status: 429,
                     request: request("GET", "/v1/client/production/flags", key(limitedKey))),
                Case(route: fsClient, name: "unreadable query", status: 400,
                     request: request("GET", "/v1/client/production/flags?key=%FF", key(serverKey))),

                Case(route: ofrepOne, name: "a token's flag", status: 200,
                     request: request("POST", "/ofrep/v1/evaluate/flags/beta", bearer(readFlags), body: ofrepBody)),
                Case(route: ofrepOne, name: "a key's flag", status: 200,
                     request: request("POST", "/ofrep/v1/evaluate/flags/f", key(serverKey), body: ofrepBody)),
                Case(route: ofrepOne, name: "no body", status: 200, request: request("POST", "/ofrep/v1/evaluate/flags/dark", bearer(readFlags))),
                Case(route: ofrepOne, name: "unknown flag", status: 404,
                     request: request("POST", "/ofrep/v1/evaluate/flags/ghost", bearer(readFlags), body: ofrepBody)),
                Case(route: ofrepOne, name: "a rollout without a targeting key", status: 400,
                     request: request("POST", "/ofrep/v1/evaluate/flags/beta", bearer(readFlags), body: #"{"context":{"plan":"free"}}"#)),
                Case(route: ofrepOne, name: "body is not JSON", status: 400,
                     request: request("POST", "/ofrep/v1/evaluate/flags/beta", bearer(readFlags), body: "{nope")),
                Case(route: ofrepOne, name: "forbidden: no read:flags", status: 403,
                     request: request("POST", "/ofrep/v1/evaluate/flags/beta", bearer(readConfigs), body: ofrepBody)),
                Case(route: ofrepOne, name: "unknown token", status: 401,
                     request: request("POST", "/ofrep/v1/evaluate/flags/beta", bearer("ff_nope"), body: ofrepBody)),
                Case(route: ofrepOne, name: "rate-limited", status: 429,
                     request: request("POST", "/ofrep/v1/evaluate/flags/beta", bearer(limitedToken), body: ofrepBody)),

                Case(route: ofrepBulk, name: "every flag", status: 200, request: ofrepBulkRequest),
                Case(route: ofrepBulk, name: "If-None-Match", status: 304, request: try await conditional(ofrepBulkRequest)),
                Case(route: ofrepBulk, name: "a key's flags", status: 200,
                     request: request("POST", "/ofrep/v1/evaluate/flags", key(serverKey), body: ofrepBody)),
                Case(route: ofrepBulk, name: "rate-limited key", status: 429,
                     request: request("POST", "/ofrep/v1/evaluate/flags", key(limitedKey), body: ofrepBody)),
                Case(route: ofrepBulk, name: "context is not an object", status: 400,
                     request: request("POST", "/ofrep/v1/evaluate/flags", bearer(readFlags), body: #"{"context":"u"}"#)),
                Case(route: ofrepBulk, name: "missing credential", status: 401,
                     request: request("POST", "/ofrep/v1/evaluate/flags", body: ofrepBody)),

                Case(route: ofrepConfiguration, name: "capabilities", status: 200, request: ofrepConfigurationRequest),
                Case(route: ofrepConfiguration, name: "If-None-Match", status: 304, request: try await conditional(ofrepConfigurationRequest)),
                Case(route: ofrepConfiguration, name: "missing credential", status: 401, request: request("GET", "/ofrep/v1/configuration")),

                // Answered before any route runs, in each dialect.
                Case(route: nil, name: "preflight", status: 204,
                     request: request("OPTIONS", "/api/v1/evaluate", ["Origin": "https://app.example",
                                                                     "Access-Control-Request-Method": "POST"])),
                Case(route: nil, name: "EdgeFlags: no such route", status: 404, request: request("GET", "/api/v1/nope", admin)),
                Case(route: nil, name: "EdgeFlags: wrong method", status: 405, request: request("DELETE", "/api/v1/evaluate", admin)),
                Case(route: nil, name: "FeatureSignals: no such route", status: 404, request: request("GET", "/v1/nope", key(serverKey))),
                Case(route: nil, name: "FeatureSignals: wrong method", status: 405, request: request("GET", "/v1/evaluate", key(serverKey))),
                Case(route: nil, name: "OFREP: no such route", status: 404, request: request("GET", "/ofrep/v1/nope", key(serverKey))),
                Case(route: nil, name: "OFREP: wrong method", status: 405, request: request("GET", "/ofrep/v1/evaluate/flags", key(serverKey))),
            ]
        }
    }

    /// Whether `path` fits the template `"/a/{b}/c"` segment by segment.
    static func fits(_ path: String, _ template: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let pattern = template.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == pattern.count && zip(parts, pattern).allSatisfy { part, expected in
            expected.hasPrefix("{") ? !part.isEmpty : part == expected
        }
    }

    /// The headers of `first` and `second` match field for field, in order. The one per-request value
    /// is `X-RateLimit-Remaining`: both answers were counted, so the second has one fewer (or none).
    static func compareHeaders(_ first: Response, _ second: Response, _ label: String) {
        let a = first.headers.map { ($0.name.lowercased(), $0.value) }
        let b = second.headers.map { ($0.name.lowercased(), $0.value) }
        #expect(a.map(\.0) == b.map(\.0), "\(label): header names")
        for ((name, value), (_, other)) in zip(a, b) {
            if name == "x-ratelimit-remaining" {
                let before = Int(value) ?? -1, after = Int(other) ?? -1
                #expect(after == max(0, before - 1), "\(label): remaining \(value) then \(other)")
            } else {
                #expect(value == other, "\(label): \(name)")
            }
        }
    }

    @Test func everyImmediateRouteAnswersExactlyAsFetchDoes() async throws {
        let world = try await World.make()
        let routes = immediateRouteNames()
        var firstPass = try await world.cases()

        // Every immediate route has cases, both successes and failures; none is filed wrongly.
        let covered = Set(firstPass.compactMap(\.route))
        #expect(covered == routes, "immediate routes without cases: \(routes.subtracting(covered)); cases of no immediate route: \(covered.subtracting(routes))")
        for route in routes {
            let outcomes = firstPass.filter { $0.route == route }.map(\.succeeds)
            #expect(outcomes.contains(true) && outcomes.contains(false), "\(route) needs a success and a failure")
        }
        for item in firstPass {
            guard let route = item.route else { continue }
            let parts = route.split(separator: " ", maxSplits: 1).map(String.init)
            let method = item.request.method == "HEAD" ? "GET" : item.request.method  // GET routes answer HEAD
            #expect(method == parts[0] && Self.fits(String(item.request.path), parts[1]), "\(item.name) is not a \(route) request")
        }

        // Immediate first, then fetch (which may then be served what the first kept); after a write
        // has invalidated every kept answer, fetch first, then immediate.
        for order in 0..<2 {
            if order == 1 {
                await world.api.createFlag(["key": "bump", "enabled": true, "value": "x"])
                firstPass = try await world.cases()
            }
            for item in firstPass {
                let label = "\(item.route ?? "front") — \(item.name)"
                let ctx = ExecutionContext(tracker: BackgroundWork())
                let immediate: Response?, fetched: Response
                if order == 0 {
                    immediate = world.api.harness.worker.immediateResponse(to: item.request, env: world.api.env, ctx: ctx)
                    fetched = await world.api.harness.fetch(item.request)
                } else {
                    fetched = await world.api.harness.fetch(item.request)
                    immediate = world.api.harness.worker.immediateResponse(to: item.request, env: world.api.env, ctx: ctx)
                }
                guard let immediate else {
                    Issue.record("\(label): no immediate answer, so nothing was compared")
                    continue
                }
                #expect(immediate.status == fetched.status, "\(label)")
                #expect(fetched.status == item.status, "\(label): \(fetched.bodyText ?? "-")")
                #expect(immediate.bodyBytes != nil && immediate.bodyBytes == fetched.bodyBytes,
                        "\(label): \(immediate.bodyText ?? "-") vs \(fetched.bodyText ?? "-")")
                if order == 0 {
                    Self.compareHeaders(immediate, fetched, label)
                } else {
                    Self.compareHeaders(fetched, immediate, label)
                }
            }
        }
    }

    @Test func routesThatWriteOrNeedAnAccountAreNeverAnsweredWithoutATask() async throws {
        let world = try await World.make()
        let ctx = ExecutionContext(tracker: BackgroundWork())
        let requests = [
            Request(method: "POST", target: "/api/v1/flags", headers: ["Authorization": "Bearer \(world.api.admin)"],
                    body: Array(#"{"key":"x","enabled":true}"#.utf8)),
            Request(method: "GET", target: "/v1/projects", headers: ["Authorization": "Bearer \(world.account.access)"]),
            Request(method: "POST", target: "/v1/track", headers: ["X-API-Key": world.serverKey],
                    body: Array(#"{"flag_key":"f","user_key":"u"}"#.utf8)),
        ]
        for request in requests {
            #expect(world.api.harness.worker.immediateResponse(to: request, env: world.api.env, ctx: ctx) == nil,
                    "\(request.method) \(request.target)")
        }
    }
}
