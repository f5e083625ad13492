import Crypto
import EdgeJSON
import EdgeKV
import EdgeWorker
import Synchronization

/// The flag service as a Worker: the EdgeFlags API (`/api/v1`, `ff_` tokens) over the `TOKENS` and
/// `FLAGS` namespaces. Name it in `wrangler-like.toml` as `main = "FlagsWorker"`.
///
/// Every route is in `FlagsWorker.routes`, which also generates `/openapi.json`. Settings are in
/// `FlagsSettings`; the key layout is in `KeyLayout`.
public struct FlagsWorker: Worker {
    private let state = ServiceSlot()

    public init() {}

    /// Seeds an empty store (the `default` project with `development`, `staging`, `production`) and
    /// installs `EDGE_BOOTSTRAP_TOKEN` if set. `serve` calls it before listening; requests also do.
    public static func prepare(env: Env) async throws {
        let service = try Service(env: env)
        try await service.prepare(now: env.clock())
    }

    public func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        let service: Service
        do {
            service = try state.service(env: env)
            try await service.prepare(now: env.clock())
        } catch {
            return error.response
        }
        if request.method == "OPTIONS" { return CORS.preflight(request) }
        let response: Response
        if !Self.isDecodable(request.query) {
            // A parameter that cannot be read must not be taken as absent (`?context=%FF` would evaluate for no one).
            response = APIError.validation("Invalid query string: malformed percent-encoding or UTF-8").response
            return CORS.decorate(response)
        }
        switch Self.router.match(method: request.method, path: request.path) {
        case .notFound:
            response = APIError.notFound("Route not found").response
        case .methodNotAllowed(let allowed):
            response = APIError.methodNotAllowed(allowed).response
        case .found(let route, let parameters):
            response = await run(route, parameters: parameters, request: request, env: env, ctx: ctx, service: service)
        }
        return CORS.decorate(response)
    }

    private func run(_ route: Route, parameters: RouteParameters, request: Request, env: Env, ctx: ExecutionContext,
                     service: Service) async -> Response {
        let now = env.clock()
        var token: TokenRecord?
        var limits: RateLimiter.Decision?
        do {
            if route.access != .publicRoute {
                let record = try authenticate(request, service: service, allowQueryToken: route.path.hasPrefix("/stream/"))
                token = record
                let decision = service.limiter.check(token: record.hash, kind: route.kind, nowMillis: Int64(now * 1000))
                limits = decision
                guard decision.allowed else {
                    let retry = max(1, (decision.resetMillis - Int64(now * 1000) + 999) / 1000)
                    var error = APIError(status: 429, code: "RATE_LIMITED", message: "Rate limit exceeded")
                    error.headers["Retry-After"] = String(retry)
                    throw error
                }
                try Self.authorize(record, route.access)
            }
            let call = Call(request: request, env: env, ctx: ctx, parameters: parameters, token: token, service: service,
                            now: now)
            var response = try await route.handler(call)
            if let limits { Self.addLimitHeaders(&response, limits) }
            return ETag.apply(to: response, request: request)
        } catch {
            var response = error.response
            if let limits { Self.addLimitHeaders(&response, limits) }
            return response
        }
    }

    /// True when every name and value of a query string percent-decodes to UTF-8.
    static func isDecodable(_ query: Substring) -> Bool {
        query.isEmpty || query.split(separator: "&").allSatisfy { pair in
            pair.split(separator: "=", maxSplits: 1).allSatisfy { PercentDecoding.decode($0) != nil }
        }
    }

    private func authenticate(_ request: Request, service: Service, allowQueryToken: Bool) throws(APIError) -> TokenRecord {
        var presented: String?
        var authorization: String?
        for field in request.headers where Headers.equal(field.name, "Authorization") {
            // Credentials are one field (RFC 9110 §11.6.2): two of them is an ambiguous request, not a choice to make.
            guard authorization == nil else { throw .validation("Only one Authorization header is allowed") }
            authorization = field.value
        }
        if let header = authorization {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" { presented = String(parts[1]).trimmingSpaces }
        }
        if presented == nil, allowQueryToken { presented = request.queryParameter("token") }
        guard let presented, !presented.isEmpty, presented.utf8.count <= 512,
              let record = try service.tokens.authenticate(presented) else { throw .unauthorized }
        return record
    }

    static func authorize(_ token: TokenRecord, _ access: Access) throws(APIError) {
        switch access {
        case .publicRoute, .anyToken: return
        case .admin: if !token.isAdmin { throw .adminRequired }
        case .permission(let permission): if !token.allows(permission) { throw .forbidden }
        case .anyRead: if !token.allows(.readFlags) && !token.allows(.readConfigs) { throw .forbidden }
        }
    }

    private static func addLimitHeaders(_ response: inout Response, _ decision: RateLimiter.Decision) {
        response.headers["X-RateLimit-Limit"] = String(decision.limit)
        response.headers["X-RateLimit-Remaining"] = String(decision.remaining)
        response.headers["X-RateLimit-Reset"] = String(decision.resetMillis)
    }

    static let router: Router<Route> = {
        var router = Router<Route>()
        for route in routes {
            let pattern = route.path.split(separator: "/").map { part -> String in
                part.hasPrefix("{") ? ":" + part.dropFirst().dropLast() : String(part)
            }.joined(separator: "/")
            router.add(route.method, "/" + pattern, route)
        }
        return router
    }()
}

/// The service is created from the first request's `Env` and kept for the worker's lifetime.
private final class ServiceSlot: Sendable {
    private let slot = Mutex<Service?>(nil)

    func service(env: Env) throws(APIError) -> Service {
        if let existing = slot.withLock({ $0 }) { return existing }
        let created = try Service(env: env)
        return slot.withLock { current in
            if let current { return current }
            current = created
            return created
        }
    }
}

/// One request, as a route handler sees it.
struct Call: Sendable {
    let request: Request
    let env: Env
    let ctx: ExecutionContext
    let parameters: RouteParameters
    /// The authenticated token; nil only on public routes.
    let token: TokenRecord?
    let service: Service
    let now: Double

    var project: String { token?.projectID ?? Project.defaultID }
    var actor: String { token?.actor ?? "system" }
    func parameter(_ name: String) -> String { parameters[name] ?? "" }
    var timestamp: String { Timestamp.format(now) }
}

/// A route of the API: what it needs, how it is rate-limited, and what the OpenAPI document says of it.
struct Route: Sendable {
    typealias Handler = @Sendable (Call) async throws(APIError) -> Response
    var method: String
    /// OpenAPI-style path (`/api/v1/flags/{key}`).
    var path: String
    var access: Access
    var kind: RateLimiter.Kind = .management
    var tag: String
    var summary: String
    var handler: Handler
}



extension Error {
    /// Any error as the dialect's body: an `APIError` as itself, anything else as a generic 500.
    var response: Response {
        (self as? APIError)?.response ?? APIError.internalError.response
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " || s.first == "\t" { s.removeFirst() }
        while s.last == " " || s.last == "\t" { s.removeLast() }
        return String(s)
    }
}

extension FlagsWorker {
    public func prepare(env: Env) async throws {
        try await Self.prepare(env: env)
    }

    /// `edgeworker token create`: validates like `POST /api/v1/tokens` and returns the plaintext
    /// (to print once) with its stored record.
    public static func createToken(env: Env, projectID: String, name: String, permissions: [String],
                                   expiresAt: String?) async throws -> (token: String, record: TokenRecord) {
        let service = try Service(env: env)
        try await service.prepare(now: env.clock())
        guard try service.flags.get(KeyLayout.project(projectID)) != nil else {
            throw ConfigurationError("no project \"\(projectID)\" in this store")
        }
        guard !name.isEmpty else { throw ConfigurationError("--name must not be empty") }
        guard !permissions.isEmpty else { throw ConfigurationError("--permissions must name at least one permission") }
        for permission in permissions where Permission(rawValue: permission) == nil {
            throw ConfigurationError("invalid permission \"\(permission)\" (read:flags, read:configs, write:flags, write:configs, *)")
        }
        var expiry: String?
        if let expiresAt {
            guard let seconds = Timestamp.parse(expiresAt), seconds > env.clock() else {
                throw ConfigurationError("--expires-at must be a future ISO 8601 timestamp")
            }
            expiry = Timestamp.format(seconds)
        }
        return try await service.tokens.create(projectID: projectID, name: name, permissions: permissions, expiresAt: expiry)
    }

    /// `edgeworker token list`: the project's tokens as the API lists them (never a plaintext).
    public static func listTokens(env: Env, projectID: String) throws -> JSONValue {
        let service = try Service(env: env)
        return .array(try service.tokens.list(projectID: projectID).map(\.listed))
    }

    /// `edgeworker token revoke HASH`; false when no such token exists.
    public static func revokeToken(env: Env, hash: String) async throws -> Bool {
        let service = try Service(env: env)
        guard try service.tokens.record(hash: hash.lowercased()) != nil else { return false }
        try await service.tokens.revoke(hash: hash.lowercased())
        return true
    }
}

extension APIError: CustomStringConvertible {
    var description: String { message }
}
