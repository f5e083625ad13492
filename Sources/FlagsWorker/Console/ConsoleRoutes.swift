import EdgeJSON
import EdgeWorker

/// The flag console (`/console/`): its page and assets, and the session routes that keep the
/// refresh token in an `HttpOnly` cookie. Every other request the console makes is an ordinary
/// API call with the in-memory access token. EdgeFlags dialect: `/console` lies under its mount.
enum ConsoleRoutes {
    static let all: [Route] = {
        func route<Who>(_ method: String, _ path: String, _ gate: Gate<Who>, _ limit: RateLimit, _ summary: String,
                        _ handler: @escaping @Sendable (Call<Who>) async throws(APIError) -> Response) -> Route {
            Route(.edgeFlags, method, path, gate, limit: limit, tag: "console", summary: summary, handler: handler)
        }
        return [
            route("GET", "/", .open, .none, "Redirect to the console", ConsolePages.redirect),
            route("GET", "/console/", .open, .none, "The flag console (HTML)", ConsolePages.index),
            route("GET", "/console/assets/{version}/{file}", .open, .none,
                  "The console's CSS and ES modules, under their content version (cached for a year)", ConsolePages.asset),
            route("POST", "/console/session", .open, .signIn,
                  "Sign in: the access token in the body, the refresh token in an HttpOnly cookie", ConsoleSession.signIn),
            route("POST", "/console/session/register", .open, .signIn,
                  "Create an account (as POST /v1/auth/register) and sign in", ConsoleSession.register),
            route("POST", "/console/session/refresh", .consoleSession, .signOut,
                  "A new access token for the refresh cookie (X-CSRF-Token required)", ConsoleSession.refresh),
            route("POST", "/console/session/logout", .consoleSession, .signOut,
                  "Sign out: revoke the session and clear its cookies (X-CSRF-Token required)", ConsoleSession.signOut),
        ]
    }()

    /// What `/openapi.json` adds to a console route's answers (HTML, assets, cookies, sign-in failures).
    static func openAPIResponses(_ route: Route) -> [String: JSONValue] {
        func error(_ description: String) -> JSONValue {
            ["description": .string(description), "content": ["application/json": ["schema": EdgeFlagsOpenAPI.ref("Error")]]]
        }
        switch route.method + " " + route.path {
        case "GET /": return ["302": ["description": "Location: /console/"]]
        case "GET /console/":
            return ["200": ["description": "HTML page", "content": ["text/html": ["schema": ["type": "string"]]]],
                    "304": ["description": "Not modified (If-None-Match)"]]
        case "GET /console/assets/{version}/{file}":
            return ["200": ["description": "CSS or JavaScript", "content": ["text/css": ["schema": ["type": "string"]],
                                                                        "text/javascript": ["schema": ["type": "string"]]]],
                    "304": ["description": "Not modified (If-None-Match)"], "404": error("No such asset in this version")]
        case "POST /console/session":
            return ["401": error("Invalid credentials"), "403": error("Posted by another site's page"),
                    "429": error("Too many attempts (see Retry-After)")]
        case "POST /console/session/register":
            return ["403": error("Posted by another site's page"), "429": error("Too many attempts (see Retry-After)")]
        case "POST /console/session/logout":
            return ["403": error("Missing or wrong X-CSRF-Token, or another origin"), "204": ["description": "Signed out"]]
        default: return ["403": error("Missing or wrong X-CSRF-Token, or another origin")]
        }
    }
}
