import Testing
@testable import EdgeWorker

@Suite("Router: methods and paths")
struct RouterTests {
    /// A router whose handlers are their own names, so a match says which route won.
    static func router() -> Router<String> {
        var r = Router<String>()
        r.add("GET", "/", "root")
        r.add("GET", "/api/v1/flags", "list")
        r.add("POST", "/api/v1/flags", "create")
        r.add("GET", "/api/v1/flags/:key", "get")
        r.add("PUT", "/api/v1/flags/:key", "put")
        r.add("DELETE", "/api/v1/flags/:key", "delete")
        r.add("GET", "/api/v1/projects/:project/flags/:key", "projectFlag")
        r.add("GET", "/static/*", "static")
        return r
    }

    func found(_ method: String, _ path: Substring, sourceLocation: SourceLocation = #_sourceLocation)
        -> (String, RouteParameters)? {
        if case .found(let handler, let parameters) = Self.router().match(method: method, path: path) {
            return (handler, parameters)
        }
        Issue.record("\(method) \(path) did not match", sourceLocation: sourceLocation)
        return nil
    }

    func isNotFound(_ method: String, _ path: Substring) -> Bool {
        if case .notFound = Self.router().match(method: method, path: path) { return true }
        return false
    }

    func allowed(_ method: String, _ path: Substring) -> [String]? {
        if case .methodNotAllowed(let allowed) = Self.router().match(method: method, path: path) { return allowed }
        return nil
    }

    @Test func literalPathsMatchTheirMethod() {
        #expect(found("GET", "/api/v1/flags")?.0 == "list")
        #expect(found("POST", "/api/v1/flags")?.0 == "create")
        #expect(found("GET", "/")?.0 == "root")
    }

    @Test func literalSegmentsAreCaseSensitive() {
        #expect(isNotFound("GET", "/API/v1/flags"))
    }

    @Test func parametersAreCapturedAndPercentDecoded() {
        let m = found("GET", "/api/v1/flags/new%20checkout%2Fv2")
        #expect(m?.0 == "get")
        #expect(m?.1["key"] == "new checkout/v2")
        let p = found("GET", "/api/v1/projects/web/flags/dark-mode")
        #expect(p?.0 == "projectFlag")
        #expect(p?.1["project"] == "web")
        #expect(p?.1["key"] == "dark-mode")
        #expect(p?.1["missing"] == nil)
    }

    @Test func plusInAPathParameterStaysAPlus() {
        #expect(found("GET", "/api/v1/flags/a+b")?.1["key"] == "a+b")
    }

    @Test func wildcardTakesTheRestOfThePath() {
        let m = found("GET", "/static/css/site/main.css")
        #expect(m?.0 == "static")
        #expect(m?.1["*"] == "css/site/main.css")
        #expect(found("GET", "/static/x")?.1["*"] == "x")
    }

    @Test func unknownPathIsNotFound() {
        #expect(isNotFound("GET", "/nope"))
        #expect(isNotFound("GET", "/api/v1/flags/a/b"))
        #expect(isNotFound("GET", "/api/v1"))
        #expect(isNotFound("DELETE", "/api/v2/flags/x"))
    }

    @Test func knownPathWithWrongMethodIsMethodNotAllowedListingTheMethods() {
        #expect(allowed("PATCH", "/api/v1/flags/x") == ["GET", "PUT", "DELETE"])
        #expect(allowed("DELETE", "/api/v1/flags") == ["GET", "POST"])
        #expect(allowed("POST", "/") == ["GET"])
    }

    @Test func headMatchesAGetRoute() {
        #expect(found("HEAD", "/api/v1/flags")?.0 == "list")
        #expect(found("HEAD", "/api/v1/flags/k")?.1["key"] == "k")
    }

    @Test func headWithoutAGetRouteIsMethodNotAllowed() {
        var r = Router<String>()
        r.add("POST", "/hooks", "hook")
        guard case .methodNotAllowed(let allowed) = r.match(method: "HEAD", path: "/hooks") else {
            Issue.record("expected 405")
            return
        }
        #expect(allowed == ["POST"])
    }

    @Test func trailingSlashMatchesTheSameRoute() {
        #expect(found("GET", "/api/v1/flags/")?.0 == "list")
        #expect(found("GET", "/api/v1/flags/k/")?.1["key"] == "k")
    }

    @Test func malformedPercentEscapeInAParameterDoesNotMatch() {
        #expect(isNotFound("GET", "/api/v1/flags/%zz"))
        #expect(isNotFound("GET", "/api/v1/flags/abc%"))
        #expect(isNotFound("GET", "/api/v1/flags/%4"))
        // Well-formed escapes that are not UTF-8 are no match either.
        #expect(isNotFound("GET", "/api/v1/flags/%FF"))
    }

    @Test func firstMatchingRouteWins() {
        var r = Router<String>()
        r.add("GET", "/flags/export", "export")
        r.add("GET", "/flags/:key", "flag")
        if case .found(let h, _) = r.match(method: "GET", path: "/flags/export") { #expect(h == "export") } else {
            Issue.record("no match")
        }
        if case .found(let h, let p) = r.match(method: "GET", path: "/flags/other") {
            #expect(h == "flag")
            #expect(p["key"] == "other")
        } else {
            Issue.record("no match")
        }
    }

    @Test func aLaterRouteWithTheRightMethodWinsOverAnEarlierWrongMethod() {
        var r = Router<String>()
        r.add("POST", "/x/:id", "post")
        r.add("GET", "/x/*", "get")
        if case .found(let h, _) = r.match(method: "GET", path: "/x/1") { #expect(h == "get") } else {
            Issue.record("no match")
        }
    }
}
