import EdgeJSON
import EdgeWorker
import Foundation
import Testing

@testable import FlagsWorker

/// The console's contract, in process: how its page and files are served (CSP, caching, size), and
/// how its session keeps every credential but the access token out of its JavaScript's reach
/// (HttpOnly cookie, CSRF token on the cookie's routes, sign-out revokes).
@Suite("The console: page, assets and cookie session")
struct ConsoleTests {
    struct Session {
        var access: String
        var csrf: String
        var refreshCookie: String
        var setCookies: [String]
        var response: APIResponse
    }

    /// `POST /console/session/register`: the answer, its cookies and the refresh cookie's value.
    func register(_ fs: FSHarness, email: String = "ann@acme.io", org: String = "Acme") async throws -> Session {
        let response = await fs.call("POST", "/console/session/register",
                                     body: #"{"email":"\#(email)","password":"correct-horse","name":"Ann","org_name":"\#(org)"}"#)
        try #require(response.status == 201, "\(response.text)")
        let cookies = response.headers.values("Set-Cookie")
        let refresh = try #require(cookies.first { $0.hasPrefix("edgeflags_refresh=") })
        let value = String(refresh.dropFirst("edgeflags_refresh=".count).prefix { $0 != ";" })
        return Session(access: try #require(response["access_token"]?.stringValue), csrf: try #require(response["csrf_token"]?.stringValue),
                       refreshCookie: value, setCookies: cookies, response: response)
    }

    func cookieHeaders(_ session: Session, csrf: String?) -> Headers {
        var headers: Headers = ["Cookie": "edgeflags_refresh=\(session.refreshCookie); edgeflags_csrf=\(session.csrf)"]
        if let csrf { headers["X-CSRF-Token"] = csrf }
        return headers
    }

    /// The `src` of every asset the page names (`/console/assets/<version>/…`).
    func assetPaths(in page: String) -> [String] {
        page.components(separatedBy: "\"").filter { $0.hasPrefix("/console/assets/") }
    }

    @Test func thePageHasAStrictContentSecurityPolicyAndNoInlineScriptOrStyle() async throws {
        let fs = try await FSHarness()
        let page = await fs.call("GET", "/console/")
        #expect(page.status == 200)
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        let policy = try #require(page.headers["Content-Security-Policy"])
        for directive in ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"] {
            #expect(policy.contains(directive), "\(directive)")
        }
        #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval"))
        #expect(page.headers["X-Frame-Options"] == "DENY")
        // Every script is a file of this origin: a `<script>` with a body would be refused by the CSP.
        let scripts = page.text.components(separatedBy: "<script").dropFirst()
        #expect(!scripts.isEmpty)
        #expect(scripts.allSatisfy { $0.hasPrefix(" type=\"module\" src=\"/console/assets/") && $0.contains("></script>") })
        #expect(!page.text.contains("style=") && !page.text.contains("<style"))
        #expect(page.headers["Cache-Control"] == "no-cache")

        let root = await fs.call("GET", "/")
        #expect(root.status == 302)
        #expect(root.headers["Location"] == "/console/")
    }

    @Test func assetsHaveVersionedNamesCachedForAYearWithETags() async throws {
        let fs = try await FSHarness()
        let page = await fs.call("GET", "/console/")
        let script = try #require(assetPaths(in: page.text).first { $0.hasSuffix("/app.js") })
        #expect(script == "/console/assets/\(ConsoleAssets.version)/app.js")
        let asset = await fs.call("GET", script)
        #expect(asset.status == 200)
        #expect(asset.headers["Content-Type"] == "text/javascript; charset=utf-8")
        #expect(asset.headers["Cache-Control"] == "public, max-age=31536000, immutable")
        #expect(asset.headers["Content-Security-Policy"] != nil)
        let tag = try #require(asset.headers["ETag"])
        let again = await fs.call("GET", script, headers: ["If-None-Match": tag])
        #expect(again.status == 304)
        #expect(again.text.isEmpty)
        // Another build's version is not this file: an old page must not get new code under an old name.
        #expect(await fs.call("GET", "/console/assets/0000000000000000/app.js").status == 404)
        #expect(await fs.call("GET", "/console/assets/\(ConsoleAssets.version)/nothing.js").status == 404)
        #expect(await fs.call("GET", "/console/assets/\(ConsoleAssets.version)/index.html").status == 404)
        let pageTag = try #require(page.headers["ETag"])
        #expect(await fs.call("GET", "/console/", headers: ["If-None-Match": pageTag]).status == 304)
    }

    @Test func theFirstLoadIsAtMost200KB() async throws {
        let fs = try await FSHarness()
        let page = await fs.call("GET", "/console/")
        var total = page.text.utf8.count
        // Everything there is to load: every file of the build, whether the page names it or a module imports it.
        for name in ConsoleAssets.files.keys {
            let asset = await fs.call("GET", "/console/assets/\(ConsoleAssets.version)/\(name)")
            #expect(asset.status == 200, "\(name)")
            total += asset.text.utf8.count
        }
        #expect(ConsoleAssets.files.count >= 8)
        #expect(total <= 200_000, "first load \(total) bytes")
    }

    @Test func signInPutsTheRefreshTokenInAnHttpOnlyStrictCookieAndNowhereElse() async throws {
        let fs = try await FSHarness()
        let session = try await register(fs)
        let refresh = try #require(session.setCookies.first { $0.hasPrefix("edgeflags_refresh=") })
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/console/session"] { #expect(refresh.contains(attribute), "\(attribute)") }
        #expect(!refresh.contains("Secure"), "plain HTTP with no trusted proxy")
        #expect(session.refreshCookie.split(separator: ".").count == 3)
        // The body the JavaScript reads holds the access token and nothing that could renew it.
        #expect(!session.response.text.contains(session.refreshCookie))
        #expect(session.response["refresh_token"] == nil && session.response["tokens"] == nil)
        #expect(session.response.headers["Cache-Control"] == "no-store")
        // The readable cookie is the CSRF token: no credential, refused as one.
        let csrf = try #require(session.setCookies.first { $0.hasPrefix("edgeflags_csrf=") })
        #expect(!csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"))
        #expect(csrf.hasPrefix("edgeflags_csrf=\(session.csrf);"))
        #expect(await fs.call("GET", "/v1/projects", bearer: session.csrf).status == 401)
        #expect(await fs.call("GET", "/v1/projects", bearer: session.access).status == 200)

        let login = await fs.call("POST", "/console/session", body: #"{"email":"ann@acme.io","password":"correct-horse"}"#)
        #expect(login.status == 200)
        #expect(login["access_token"]?.stringValue != nil && login["refresh_token"] == nil)
        #expect(login.headers.values("Set-Cookie").contains { $0.hasPrefix("edgeflags_refresh=") && $0.contains("HttpOnly") })
    }

    @Test func cookiesAreSecureWhenATrustedProxySaysHTTPS() async throws {
        let fs = try await FSHarness()
        _ = try await register(fs)
        let request = Request(method: "POST", target: "/console/session", headers: ["Content-Type": "application/json"],
                              body: Array(#"{"email":"ann@acme.io","password":"correct-horse"}"#.utf8),
                              client: ClientInfo(ip: "203.0.113.9", peer: "127.0.0.1", scheme: "https"))
        let response = await fs.base.harness.dispatch(request)
        #expect(response.status == 200)
        let cookies = response.headers.values("Set-Cookie")
        #expect(cookies.count == 2)
        #expect(cookies.allSatisfy { $0.contains("; Secure") })
    }

    @Test func theCookieRoutesRefuseAWriteWithoutTheCSRFToken() async throws {
        let fs = try await FSHarness()
        let session = try await register(fs)
        let missing = await fs.call("POST", "/console/session/refresh", headers: cookieHeaders(session, csrf: nil))
        #expect(missing.status == 403)
        #expect(missing["error"]?.stringValue?.contains("CSRF") == true)
        #expect(await fs.call("POST", "/console/session/refresh", headers: cookieHeaders(session, csrf: "0" + session.csrf.dropFirst())).status == 403)
        var otherSite = cookieHeaders(session, csrf: session.csrf)
        otherSite["Origin"] = "https://evil.example"
        otherSite["Host"] = "flags.example"
        #expect(await fs.call("POST", "/console/session/refresh", headers: otherSite).status == 403)
        var crossSite = cookieHeaders(session, csrf: session.csrf)
        crossSite["Sec-Fetch-Site"] = "cross-site"
        #expect(await fs.call("POST", "/console/session/logout", headers: crossSite).status == 403)
        #expect(await fs.call("POST", "/console/session/logout", headers: cookieHeaders(session, csrf: nil)).status == 403)
        // None of those signed anyone out.
        #expect(await fs.call("GET", "/v1/projects", bearer: session.access).status == 200)
        // No cookie at all: not signed in.
        #expect(await fs.call("POST", "/console/session/refresh", headers: ["X-CSRF-Token": session.csrf]).status == 401)

        var sameOrigin = cookieHeaders(session, csrf: session.csrf)
        sameOrigin["Origin"] = "http://flags.example"
        sameOrigin["Host"] = "flags.example"
        let refreshed = await fs.call("POST", "/console/session/refresh", headers: sameOrigin)
        #expect(refreshed.status == 200)
        #expect(refreshed["access_token"]?.stringValue != nil && refreshed["refresh_token"] == nil)
        #expect(refreshed["csrf_token"]?.stringValue == session.csrf, "one session, one CSRF token")
        #expect(refreshed.headers.values("Set-Cookie").contains { $0.hasPrefix("edgeflags_refresh=") && !$0.contains(session.refreshCookie) })
        // The spent refresh token again: theft, the whole session goes (as on /v1/auth/refresh).
        #expect(await fs.call("POST", "/console/session/refresh", headers: cookieHeaders(session, csrf: session.csrf)).status == 401)
        let renewed = try #require(refreshed["access_token"]?.stringValue)
        #expect(await fs.call("GET", "/v1/projects", bearer: renewed).status == 401)
    }

    @Test func signingOutRevokesTheSessionAndClearsTheCookies() async throws {
        let fs = try await FSHarness()
        let session = try await register(fs)
        let out = await fs.call("POST", "/console/session/logout", headers: cookieHeaders(session, csrf: session.csrf))
        #expect(out.status == 204)
        let cleared = out.headers.values("Set-Cookie")
        #expect(cleared.count == 2 && cleared.allSatisfy { $0.contains("Max-Age=0") })
        #expect(await fs.call("GET", "/v1/projects", bearer: session.access).status == 401)
        #expect(await fs.call("POST", "/console/session/refresh", headers: cookieHeaders(session, csrf: session.csrf)).status == 401)
    }

    @Test func aSignInPostedByAnotherSiteIsRefused() async throws {
        let fs = try await FSHarness()
        _ = try await register(fs)
        let body = #"{"email":"ann@acme.io","password":"correct-horse"}"#
        let forged = await fs.call("POST", "/console/session", body: body,
                                   headers: ["Origin": "https://evil.example", "Host": "flags.example"])
        #expect(forged.status == 403)
        #expect(forged.headers.values("Set-Cookie").isEmpty)
        #expect(await fs.call("POST", "/console/session", body: body, headers: ["Sec-Fetch-Site": "cross-site"]).status == 403)
        #expect(await fs.call("POST", "/console/session/register",
                              body: #"{"email":"eve@acme.io","password":"correct-horse","name":"Eve","org_name":"Eve"}"#,
                              headers: ["Sec-Fetch-Site": "same-site"]).status == 403)
        let own = await fs.call("POST", "/console/session", body: body,
                                headers: ["Origin": "http://flags.example", "Host": "flags.example", "Sec-Fetch-Site": "same-origin"])
        #expect(own.status == 200)
    }

    @Test func consoleSignInHasTheAPIsLockout() async throws {
        let fs = try await FSHarness(vars: ["LOGIN_MAX_FAILURES": "3"])
        _ = try await register(fs)
        var statuses: [Int] = []
        for _ in 0..<4 {
            statuses.append(await fs.call("POST", "/console/session", body: #"{"email":"ann@acme.io","password":"wrong-horse"}"#).status)
        }
        // Slowed after the first failure, refused after the third, by the same `LoginLockout` as /v1/auth/login.
        #expect(statuses.first == 401)
        #expect(statuses.last == 429)
        let wrong = await fs.call("POST", "/console/session", body: #"{"email":"ann@acme.io","password":"wrong-horse"}"#)
        #expect(wrong.headers["Retry-After"] != nil)
    }

    @Test func anotherOrganizationsFlagIsNotFoundOnEveryRouteTheConsoleUses() async throws {
        let fs = try await FSHarness()
        let ann = try await fs.register()
        let bob = try await fs.register(email: "bob@other.io", org: "Other")
        _ = try await fs.flag(ann, ["key": "secret-plan", "name": "Secret plan"])
        let production = try #require(ann.environments["production"])
        let base = "/v1/projects/\(ann.projectID)"
        for (method, path, body) in [("GET", "\(base)/flags/secret-plan", nil), ("PUT", "\(base)/flags/secret-plan", #"{"name":"x"}"#),
                                     ("GET", "\(base)/flag-states", nil), ("GET", "\(base)/flags", nil),
                                     ("PUT", "\(base)/flags/secret-plan/environments/\(production)", #"{"enabled":true}"#),
                                     ("POST", "\(base)/flags/secret-plan/kill", #"{"env_id":"\#(production)"}"#),
                                     ("GET", "/v1/environments/\(production)/api-keys", nil)] as [(String, String, String?)] {
            let response = await fs.call(method, path, bearer: bob.access, body: body)
            #expect(response.status == 404, "\(method) \(path): \(response.text)")
        }
        #expect(await fs.call("GET", "\(base)/flags/secret-plan", bearer: ann.access).status == 200)
    }

    @Test func aFlagUpdateWithAnOldVersionIsAConflict() async throws {
        let fs = try await FSHarness()
        let ann = try await fs.register()
        _ = try await fs.flag(ann, ["key": "checkout", "name": "Checkout"])
        let path = "/v1/projects/\(ann.projectID)/flags/checkout"
        let read = await fs.call("GET", path, bearer: ann.access)
        #expect(read.headers["ETag"] == "\"1\"")
        let first = await fs.call("PUT", path, bearer: ann.access, body: #"{"name":"Mine"}"#, headers: ["If-Match": "\"1\""])
        #expect(first.status == 200)
        #expect(first.headers["ETag"] == "\"2\"")
        let second = await fs.call("PUT", path, bearer: ann.access, body: #"{"name":"Theirs"}"#, headers: ["If-Match": "\"1\""])
        #expect(second.status == 409)
        #expect(second.json == ["error": "version conflict"])
        #expect(await fs.call("GET", path, bearer: ann.access)["name"] == "Mine")
        // Without If-Match, the API's contract is unchanged: last writer wins.
        #expect(await fs.call("PUT", path, bearer: ann.access, body: #"{"name":"Theirs"}"#).status == 200)
    }

    @Test func flagStatesListEverySwitchOfTheProjectInOneRead() async throws {
        let fs = try await FSHarness()
        let ann = try await fs.register()
        _ = try await fs.flag(ann, ["key": "a", "name": "A"])
        _ = try await fs.flag(ann, ["key": "b", "name": "B"])
        _ = try await fs.state(ann, "a", env: "production", ["enabled": true])
        _ = try await fs.state(ann, "b", env: "staging", ["enabled": false])
        let states = await fs.call("GET", "/v1/projects/\(ann.projectID)/flag-states", bearer: ann.access)
        #expect(states.status == 200)
        let items = try #require(states.json.arrayValue)
        #expect(items.count == 2)
        #expect(items.contains(["flag_key": "a", "env_id": .string(ann.environments["production"] ?? ""), "enabled": true]))
        #expect(items.contains(["flag_key": "b", "env_id": .string(ann.environments["staging"] ?? ""), "enabled": false]))
    }
}
