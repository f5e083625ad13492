import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

/// Routes declare their dialect, authentication, credential location and rate limit; one pipeline
/// reads the declaration. These tests hold the table to it, and check what the pipeline does with it.
@Suite("Routes declare their policy")
struct RoutePolicyTests {
    @Test func everyAuthenticatedRouteIsCountedAgainstABudget() {
        for route in RouteTable.all where route.policy.authentication != .none {
            #expect(route.policy.rateLimit.budget != nil, "\(route.method) \(route.path)")
        }
    }

    @Test func onlyTheStreamsAcceptACredentialInTheQuery() {
        let streams = RouteTable.all.filter { $0.policy.credentialLocation.queryParameter != nil }.map(\.path).sorted()
        #expect(streams == ["/ofrep/v1/events", "/stream/flags", "/stream/tail", "/v1/stream/{envKey}"])
    }

    @Test func everyRouteOfADialectIsMountedUnderIt() {
        // A path no route matches is placed by the mounts; a route's own dialect must agree with them,
        // or its 404 and its other errors would speak different dialects.
        for route in RouteTable.all {
            #expect(Dialect.mounted(at: Substring(route.path)) == route.policy.dialect, "\(route.method) \(route.path)")
        }
    }

    @Test func featureSignalsAnswersCarryTheRateLimitHeaders() async throws {
        let fs = try await FSHarness(vars: ["RATE_LIMIT_API_KEY_PER_MINUTE": "7"])
        let account = try await fs.register()
        let key = try await fs.apiKey(account)
        _ = try await fs.flag(account, ["key": "f", "name": "F", "flag_type": "boolean"])
        func evaluate() async -> APIResponse {
            await fs.call("POST", "/v1/evaluate", apiKey: key, json: ["flag_key": "f", "context": ["key": "u"]])
        }
        let first = await evaluate()
        #expect(first.headers["X-RateLimit-Limit"] == "7")
        #expect(first.headers["X-RateLimit-Remaining"] == "6")
        #expect(first.headers["X-RateLimit-Reset"] != nil)
        let management = await fs.call("GET", "/v1/projects", bearer: account.access)
        #expect(management.status == 200)
        #expect(management.headers["X-RateLimit-Limit"] == "100000")
        for _ in 0..<6 { _ = await evaluate() }
        let refused = await evaluate()
        #expect(refused.status == 429)
        #expect(refused.json == ["error": "rate limit exceeded"])
        #expect(refused.headers["X-RateLimit-Remaining"] == "0")
        #expect(refused.headers["Retry-After"] != nil)
    }

    @Test func refusalsBeforeAnyRouteSpeakTheDialectOfThePath() async throws {
        let fs = try await FSHarness()
        #expect(await fs.call("GET", "/v1/nothing-here").json == ["error": "not found"])
        let wrongMethod = await fs.call("PATCH", "/v1/projects")
        #expect(wrongMethod.status == 405)
        #expect(wrongMethod.json == ["error": "method not allowed"])
        #expect(wrongMethod.headers["Allow"] != nil)
        let badQuery = await fs.call("GET", "/v1/projects?x=%FF")
        #expect(badQuery.status == 400)
        #expect(badQuery.json["code"] == nil)
        let edgeFlags = await fs.call("GET", "/api/v1/nothing-here")
        #expect(edgeFlags.json["code"] == "NOT_FOUND")
    }
}
