import EdgeJSON

/// `/openapi.json`, generated from `RouteTable.all` so that it describes every route there is
/// in both dialects, and `/docs`, a self-contained page that renders it.
enum EdgeFlagsOpenAPI {
    static let document: [UInt8] = build().serialized()
    static let docsPage: [UInt8] = Array(DocsPage.html.utf8)

    static func build() -> JSONValue {
        var paths: [String: JSONValue] = [:]
        var tags: [String] = []
        for route in RouteTable.all {
            var operations = paths[route.path]?.objectValue ?? [:]
            switch route.policy.dialect {
            case .edgeFlags: operations[route.method.lowercased()] = operation(route)
            case .featureSignals: operations[route.method.lowercased()] = featureSignalsOperation(route)
            case .ofrep: operations[route.method.lowercased()] = OFREPOpenAPI.operation(route, id: operationID(route))
            }
            paths[route.path] = .object(operations)
            if !tags.contains(route.tag) { tags.append(route.tag) }
        }
        return [
            "openapi": "3.0.3",
            "info": ["title": "EdgeFlags, FeatureSignals and OFREP APIs (edgeworker)", "version": "1.0.0",
                     "description": "Feature flags and configs at the edge, in two dialects. EdgeFlags (`/api/v1`): `Authorization: Bearer ff_…`. FeatureSignals (`/v1`): `Authorization: Bearer <access JWT>` for management, `X-API-Key: fs_…` for evaluation. OFREP (`/ofrep/v1`): `X-API-Key: fs_…` or `Authorization: Bearer ff_…`."],
            "servers": [["url": "/"]],
            "tags": .array(tags.map { ["name": .string($0)] }),
            "paths": .object(paths),
            "components": ["securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"],
                                               "jwt": ["type": "http", "scheme": "bearer", "bearerFormat": "JWT"],
                                               "apiKey": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
                                               "consoleSession": ["type": "apiKey", "in": "cookie",
                                                                  "name": .string(ConsoleSession.refreshCookie)]],
                           "schemas": .object(Schemas.all.merging(Schemas.featureSignals) { first, _ in first }
                                                        .merging(OFREPOpenAPI.schemas) { first, _ in first })],
        ]
    }

    private static func operation(_ route: Route) -> JSONValue {
        var op: [String: JSONValue] = [
            "tags": [.string(route.tag)], "summary": .string(route.summary),
            "operationId": .string(operationID(route)),
        ]
        var parameters: [JSONValue] = route.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { part in
            ["name": .string(String(part.dropFirst().dropLast())), "in": "path", "required": true,
             "schema": ["type": "string"]]
        }
        parameters += extraParameters(route)
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        if let body = Schemas.requestBody[route.method + " " + route.path] {
            // POST /api/v1/evaluate without a body evaluates everything for an empty context.
            op["requestBody"] = ["required": .bool(route.path != "/api/v1/evaluate"),
                                 "content": ["application/json": ["schema": ref(body)]]]
        }
        var responses: [String: JSONValue] = [:]
        let success = Schemas.responses[route.method + " " + route.path] ?? ("200", "Success")
        if isStream(route) {
            responses["101"] = ["description": "Switching Protocols (WebSocket)"]
            responses["400"] = error("An invalid WebSocket handshake")
            responses["426"] = error("Not a WebSocket upgrade")
        } else if route.path == "/docs" {
            responses["200"] = ["description": "HTML page", "content": ["text/html": ["schema": ["type": "string"]]]]
        } else {
            responses[success.0] = ["description": "Success",
                                    "content": ["application/json": ["schema": ref(success.1)]]]
        }
        if route.policy.authentication == .consoleSession {
            op["security"] = [["consoleSession": []]]
            responses["401"] = error("No valid refresh cookie")
            responses["429"] = error("Rate limit exceeded (see Retry-After)")
        } else if route.policy.authentication != .none {
            op["security"] = [["bearer": []]]
            responses["401"] = error("Missing, unknown, revoked or expired token")
            responses["403"] = error("Insufficient permissions")
            responses["429"] = error("Rate limit exceeded (see Retry-After)")
        }
        if route.method == "POST" || route.method == "PUT" {
            responses["400"] = error("Validation error or malformed JSON")
            responses["413"] = error("Body over 1 MB (or context over 64 KB)")
        }
        if route.path.contains("{") { responses["404"] = error("Not found") }
        if route.method == "PUT" || route.method == "POST" { responses["409"] = error("Conflict") }
        if route.method == "DELETE" && route.path.contains("{key}") { responses["409"] = error("Version conflict (If-Match)") }
        if route.path == "/api/v1/project/environments/{name}" { responses["400"] = error("The last environment") }
        if parameters.contains(where: { $0["in"] == "query" }) { responses["400"] = error("Invalid query parameter") }
        if route.method == "GET" && route.path == "/api/v1/flags/{key}" { responses["400"] = error("Invalid context JSON") }
        if answersNotModified(route) && route.path != "/api/v1/audit" {
            responses["304"] = ["description": "Not modified (If-None-Match)"]
        }
        if route.tag == "console" {
            if route.method == "GET" || route.path.hasSuffix("/logout") { responses.removeValue(forKey: "200") }
            responses.merge(ConsoleRoutes.openAPIResponses(route)) { $1 }
        }
        op["responses"] = .object(responses)
        return .object(op)
    }

    /// A `/v1` operation: JWT or API-key security, `{"error": message}` failures.
    private static func featureSignalsOperation(_ route: Route) -> JSONValue {
        var op: [String: JSONValue] = [
            "tags": [.string(route.tag)], "summary": .string(route.summary), "operationId": .string(operationID(route)),
        ]
        var parameters: [JSONValue] = route.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { part in
            ["name": .string(String(part.dropFirst().dropLast())), "in": "path", "required": true,
             "schema": ["type": "string"]]
        }
        func query(_ name: String, _ type: String, _ description: String) -> JSONValue {
            ["name": .string(name), "in": "query", "required": false, "description": .string(description),
             "schema": ["type": .string(type)]]
        }
        if route.path == "/v1/audit" {
            parameters += [query("limit", "integer", "1–200, default 50"), query("offset", "integer", "default 0")]
        }
        if route.path == "/v1/client/{envKey}/flags" { parameters.append(query("key", "string", "the user's key")) }
        if let name = route.policy.credentialLocation.queryParameter {
            parameters.append(query(name, "string", "the API key, for EventSource clients that cannot set headers"))
        }
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        let signature = route.method + " " + route.path
        if route.method == "POST" || route.method == "PUT", let body = Schemas.featureSignalsRequests[signature] {
            op["requestBody"] = ["required": true, "content": ["application/json": ["schema": ref(body)]]]
        }
        var responses: [String: JSONValue] = [:]
        let (status, schema) = Schemas.featureSignalsResponses[signature]
            ?? (route.method == "DELETE" || route.path == "/v1/auth/logout" ? ("204", "") : ("200", "FSObject"))
        if isStream(route) {
            responses["200"] = ["description": "text/event-stream: connected, flag-update, heartbeats",
                                "content": ["text/event-stream": ["schema": ["type": "string"]]]]
        } else if schema.isEmpty {
            responses[status] = ["description": "Done"]
        } else {
            responses[status] = ["description": "Success", "content": ["application/json": ["schema": ref(schema)]]]
        }
        func failure(_ description: String) -> JSONValue {
            ["description": .string(description), "content": ["application/json": ["schema": ref("FSError")]]]
        }
        switch route.policy.authentication {
        case .member:
            op["security"] = [["jwt": []]]
            responses["401"] = failure("missing authorization header, invalid authorization format, invalid or expired token")
            responses["403"] = failure("insufficient permissions")
        case .apiKey:
            op["security"] = [["apiKey": []]]
            responses["401"] = failure("missing X-API-Key header, invalid API key")
        default:
            break
        }
        switch route.path {
        case "/v1/auth/login": responses["401"] = failure("invalid credentials")
        case "/v1/auth/refresh": responses["401"] = failure("invalid refresh token")
        default: break
        }
        if route.policy.authentication == .apiKey && route.path.contains("{envKey}") {
            responses["403"] = failure("API key does not belong to environment <envKey>")
        }
        if route.method == "POST" || route.method == "PUT" { responses["400"] = failure("invalid request body, or a field's rule") }
        if route.path.contains("{") { responses["404"] = failure("not found (also another organization's)") }
        if route.method == "POST" && route.policy.authentication != .apiKey { responses["409"] = failure("duplicate") }
        responses["429"] = failure("rate limit exceeded (see Retry-After)")
        op["responses"] = .object(responses)
        return .object(op)
    }

    private static func extraParameters(_ route: Route) -> [JSONValue] {
        func query(_ name: String, _ schema: JSONValue, _ description: String) -> JSONValue {
            ["name": .string(name), "in": "query", "required": false, "description": .string(description), "schema": schema]
        }
        func header(_ name: String, _ description: String) -> JSONValue {
            ["name": .string(name), "in": "header", "required": false, "description": .string(description),
             "schema": ["type": "string"]]
        }
        var out: [JSONValue] = []
        if route.method == "GET" && ["/api/v1/flags", "/api/v1/configs", "/api/v1/segments", "/api/v1/audit"].contains(route.path) {
            out.append(query("limit", ["type": "integer", "minimum": 1, "maximum": 200], "1–200, default 50"))
            out.append(query("offset", ["type": "integer", "minimum": 0, "maximum": .number(Double(Page.maxOffset))],
                             "default 0"))
        }
        if route.path == "/api/v1/audit" {
            out.append(query("resource_type", ["type": "string"], "flag, config, segment, token or project"))
            out.append(query("resource_key", ["type": "string"], "the resource's key"))
        }
        if route.method == "GET" && route.path == "/api/v1/flags/{key}" {
            // A JSON object in the query string (URL-encoded): OpenAPI's `content` form of a parameter.
            out.append(["name": "context", "in": "query", "required": false,
                        "description": "the evaluation context as URL-encoded JSON (at most 64 KB)",
                        "content": ["application/json": ["schema": ref("Context")]]])
            out.append(query("environment", ["type": "string"], "environment, when the context names none"))
        }
        if route.method == "GET" && route.path == "/api/v1/configs/{key}" {
            out.append(query("environment", ["type": "string"], "environment whose value to answer"))
        }
        if let name = route.policy.credentialLocation.queryParameter {
            out.append(query(name, ["type": "string"], "the token, for clients that cannot set headers"))
        }
        if route.method == "PUT" || route.method == "DELETE" && route.path.contains("{key}") {
            out.append(header("If-Match", "\"<version>\": refuse the change (409) if the version differs"))
        }
        if answersNotModified(route) { out.append(header("If-None-Match", "an ETag from before → 304")) }
        return out
    }

    private static func operationID(_ route: Route) -> String {
        let dialect = route.policy.dialect == .featureSignals ? "fs" : ""
        let words = route.path.split(separator: "/").filter { $0 != "api" && $0 != "v1" }.map { part -> String in
            let clean = String(part).replacing("{", with: "by_").replacing("}", with: "").replacing(".", with: "_")
            return clean.prefix(1).uppercased() + clean.dropFirst()
        }
        return dialect + (dialect.isEmpty ? route.method.lowercased() : route.method.capitalized) + words.joined()
    }

    /// A WebSocket or event stream: its credential may be in the query, since browsers' `WebSocket`
    /// and `EventSource` cannot set headers.
    private static func isStream(_ route: Route) -> Bool { route.policy.credentialLocation.queryParameter != nil }

    /// A read whose answer is tagged, so `If-None-Match` may answer 304.
    private static func answersNotModified(_ route: Route) -> Bool {
        route.method == "GET" && route.policy.dialect.tagsAnswers && route.policy.authentication != .none && !isStream(route)
    }

    static func ref(_ name: String) -> JSONValue { ["$ref": .string("#/components/schemas/\(name)")] }

    private static func error(_ description: String) -> JSONValue {
        ["description": .string(description), "content": ["application/json": ["schema": ref("Error")]]]
    }
}
