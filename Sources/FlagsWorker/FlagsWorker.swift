import Crypto
import Dispatch
import EdgeJSON
import EdgeKV
import EdgeWorker
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The flag service as a Worker: the EdgeFlags API (`/api/v1`, `ff_` tokens) and the FeatureSignals
/// API (`/v1`, JWT accounts and `fs_` API keys) over the `TOKENS` and `FLAGS` namespaces. Name it in
/// `wrangler-like.toml` as `main = "FlagsWorker"`.
///
/// Every route is in `FlagsWorker.routes`, which also generates `/openapi.json`. Settings are in
/// `FlagsSettings`; the key layout is in `KeyLayout`.
public struct FlagsWorker: Worker {
    private let state = ServiceSlot()

    public init() {}

    /// Seeds an empty store (the `default` project with `development`, `staging`, `production`) and
    /// installs `EDGE_BOOTSTRAP_TOKEN` if set. `serve` calls it before listening; requests also do.
    /// The default `JWT_SECRET` is warned about on stderr, and refused with `ENVIRONMENT=production`.
    public static func prepare(env: Env) async throws {
        let settings = FlagsSettings(env: env)
        if settings.usesDefaultJWTSecret {
            if settings.environment == "production" {
                throw ConfigurationError("JWT_SECRET is the default \"\(FlagsSettings.defaultJWTSecret)\"; refusing to start with ENVIRONMENT=production. Set the secret JWT_SECRET.")
            }
            let warning = """
                WARNING: JWT_SECRET is the default "\(FlagsSettings.defaultJWTSecret)": anyone can forge \
                FeatureSignals tokens. Set the secret JWT_SECRET (environment or .dev.vars) before exposing this server.

                """
            _ = warning.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
        }
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
        let (route, parameters): (Route, RouteParameters)
        switch Self.front(request) {
        case .answered(let response): return response
        case .route(let found, let foundParameters): (route, parameters) = (found, foundParameters)
        }
        let response = route.isFeatureSignals
            ? await runFeatureSignals(route, parameters: parameters, request: request, env: env, ctx: ctx, service: service)
            : await run(route, parameters: parameters, request: request, env: env, ctx: ctx, service: service)
        return CORS.decorate(response)
    }

    /// The hot read routes (evaluation, `/health`) answered without suspending, so the runner needs no
    /// task for them: everything they read is memory-mapped KV and compiled snapshots in memory. Nil
    /// for anything else (a route that writes, a JWT to verify, a store not seeded yet): `fetch` then.
    public func immediateResponse(to request: Request, env: Env, ctx: ExecutionContext) -> Response? {
        guard let service = state.existing, service.isPrepared else { return nil }
        let (route, parameters): (Route, RouteParameters)
        switch Self.front(request) {
        case .answered(let response): return response
        case .route(let found, let foundParameters): (route, parameters) = (found, foundParameters)
        }
        guard let immediate = route.immediate else { return nil }
        let call = Call(request: request, env: env, ctx: ctx, parameters: parameters, token: nil, service: service,
                        now: env.clock())
        let response = route.isFeatureSignals
            ? Self.admitFeatureSignals(route, call: call, service: service, immediate)
            : Self.admitEdgeFlags(route, call: call, service: service, immediate)
        return response.map(CORS.decorate)
    }

    private enum Front {
        /// Answered before any route runs: a preflight, a 404, a 405, an unreadable query.
        case answered(Response)
        case route(Route, RouteParameters)
    }

    /// What every request goes through before its route: CORS preflights, the query check, routing.
    private static func front(_ request: Request) -> Front {
        if request.method == "OPTIONS" { return .answered(CORS.preflight(request)) }
        let featureSignals = request.path.hasPrefix("/v1/")
        if !isDecodable(request.query) {
            // A parameter that cannot be read must not be taken as absent (`?context=%FF` would evaluate for no one).
            return .answered(CORS.decorate(APIError.validation("Invalid query string: malformed percent-encoding or UTF-8").response))
        }
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            return .answered(CORS.decorate(featureSignals ? APIError.fs(404, "not found").featureSignalsResponse
                                                          : APIError.notFound("Route not found").response))
        case .methodNotAllowed(let allowed):
            let error = APIError.methodNotAllowed(allowed)
            return .answered(CORS.decorate(featureSignals
                ? APIError.fs(405, "method not allowed", headers: error.headers).featureSignalsResponse
                : error.response))
        case .found(let route, let parameters):
            return .route(route, parameters)
        }
    }

    /// The shared state of this worker over `env` (tests look into its caches).
    func service(env: Env) throws(APIError) -> Service { try state.service(env: env) }

    /// The cron trigger: applies FeatureSignals schedules whose time has come (evaluation already
    /// honours them between ticks; this makes the stored state say so).
    public func scheduled(_ event: ScheduledEvent, env: Env, ctx: ExecutionContext) async throws {
        let service = try state.service(env: env)
        try await service.prepare(now: env.clock())
        _ = try await FSSchedules.apply(service: service, env: env, ctx: ctx, now: env.clock())
    }

    /// A `/v1` route: JWT or API-key authentication, per-IP limits on `/v1/auth/*`, and every
    /// failure as `{"error": message}`.
    private func runFeatureSignals(_ route: Route, parameters: RouteParameters, request: Request, env: Env,
                                   ctx: ExecutionContext, service: Service) async -> Response {
        var call = Call(request: request, env: env, ctx: ctx, parameters: parameters, token: nil, service: service,
                        now: env.clock())
        guard case .member(let needed) = route.access else {
            return await Self.admitFeatureSignals(route, call: call, service: service, route.handler)
        }
        do {
            try Self.countAuthRequest(route, call: call, service: service)
            let account = try await service.authenticateAccount(request, now: call.now)
            guard account.role.satisfies(needed) else { throw APIError.fsInsufficientPermissions }
            try Self.count("u" + account.userID, limit: service.settings.managementPerMinute, call: call, service: service)
            call.account = account
            return try await route.handler(call)
        } catch {
            return (error as? APIError)?.featureSignalsResponse ?? APIError.internalError.featureSignalsResponse
        }
    }

    /// A `/v1` route that needs no JWT (public, or by API key), run with `handler`; nil for a route
    /// that needs one (only `fetch` verifies JWTs).
    private static func admitFeatureSignals(_ route: Route, call: consuming Call, service: Service,
                                            _ handler: (Call) throws(APIError) -> Response) -> Response? {
        if case .member = route.access { return nil }
        var call = call
        do {
            try admitByKey(route, call: &call, service: service)
            return try handler(call)
        } catch {
            return error.featureSignalsResponse
        }
    }

    private static func admitFeatureSignals(_ route: Route, call: consuming Call, service: Service,
                                            _ handler: (Call) async throws(APIError) -> Response) async -> Response {
        var call = call
        do {
            try admitByKey(route, call: &call, service: service)
            return try await handler(call)
        } catch {
            return error.featureSignalsResponse
        }
    }

    /// The per-IP limit of `/v1/auth/*`, and for an API-key route the key, within its limit.
    private static func admitByKey(_ route: Route, call: inout Call, service: Service) throws(APIError) {
        try countAuthRequest(route, call: call, service: service)
        if route.access == .apiKey {
            let key = try service.authenticateAPIKey(call.request, allowQuery: route.path.hasPrefix("/v1/stream/"))
            try count("k" + key.id, limit: service.settings.apiKeyEvaluationsPerMinute, call: call, service: service)
            call.apiKey = key
            call.project = key.projectID
        }
    }

    /// `/v1/auth/*` is limited per client IP.
    private static func countAuthRequest(_ route: Route, call: Call, service: Service) throws(APIError) {
        if route.path.hasPrefix("/v1/auth/") {
            try count("ip:" + call.request.client.ip, limit: service.settings.authRequestsPerMinute, call: call, service: service)
        }
    }

    /// One request against `key`'s per-minute budget; a 429 with `Retry-After` past it.
    private static func count(_ key: String, limit: Int, call: Call, service: Service) throws(APIError) {
        let millis = Int64(call.now * 1000)
        let decision = service.limiter.check(key: key, limit: limit, nowMillis: millis)
        guard decision.allowed else {
            throw .fs(429, "rate limit exceeded", headers: ["Retry-After": String(decision.retryAfter(nowMillis: millis))])
        }
    }

    private func run(_ route: Route, parameters: RouteParameters, request: Request, env: Env, ctx: ExecutionContext,
                     service: Service) async -> Response {
        let call = Call(request: request, env: env, ctx: ctx, parameters: parameters, token: nil, service: service,
                        now: env.clock())
        do {
            if route.acceptsAccount, let bearer = try Self.bearer(request), bearer.split(separator: ".").count == 3 {
                return await runBridge(route, call: call, service: service)
            }
        } catch {
            return error.response
        }
        return await Self.admitEdgeFlags(route, call: call, service: service, route.handler)
    }

    /// The bridge: an owner's or admin's FeatureSignals access JWT, for its organization's projects.
    private func runBridge(_ route: Route, call: Call, service: Service) async -> Response {
        var call = call
        var limits: RateLimiter.Decision?
        do {
            guard let member = try? await service.authenticateAccount(call.request, now: call.now) else {
                throw APIError.unauthorized
            }
            guard member.role.satisfies(.admin) else { throw APIError.adminRequired }
            let decision = service.limiter.check(token: "u" + member.userID, kind: route.kind, nowMillis: Int64(call.now * 1000))
            limits = decision
            guard decision.allowed else { throw Self.rateLimited(decision, now: call.now) }
            call.account = member
            return Self.finish(try await route.handler(call), limits: limits, request: call.request)
        } catch {
            return Self.finish(error.response, limits: limits, request: nil)
        }
    }

    /// An EdgeFlags route by `ff_` token (or a public one), run with `handler`: authentication, the
    /// rate limit and its headers, the permission, then `ETag` on what the handler answers.
    // The call is consumed and authenticated in place: a `Call` holds some twenty references, and
    // every copy of it retains and releases each of them.
    private static func admitEdgeFlags(_ route: Route, call: consuming Call, service: Service,
                                       _ handler: (Call) throws(APIError) -> Response) -> Response? {
        var limits: RateLimiter.Decision?
        var call = call
        do {
            try admit(route, call: &call, service: service, limits: &limits)
            return finish(try handler(call), limits: limits, request: call.request)
        } catch {
            return finish(error.response, limits: limits, request: nil)
        }
    }

    private static func admitEdgeFlags(_ route: Route, call: consuming Call, service: Service,
                                       _ handler: (Call) async throws(APIError) -> Response) async -> Response {
        var limits: RateLimiter.Decision?
        var call = call
        do {
            try admit(route, call: &call, service: service, limits: &limits)
            return finish(try await handler(call), limits: limits, request: call.request)
        } catch {
            return finish(error.response, limits: limits, request: nil)
        }
    }

    /// Gives the call its token, once the token is valid, within its limit and allowed the route.
    private static func admit(_ route: Route, call: inout Call, service: Service,
                              limits: inout RateLimiter.Decision?) throws(APIError) {
        guard route.access != .publicRoute else { return }
        let record = try authenticate(call.request, service: service, allowQueryToken: route.path.hasPrefix("/stream/"))
        let decision = service.limiter.check(token: record.hash, kind: route.kind, nowMillis: Int64(call.now * 1000))
        limits = decision
        guard decision.allowed else { throw rateLimited(decision, now: call.now) }
        try authorize(record, route.access)
        call.authenticate(record)
    }

    /// The limit headers, and for a successful answer (`request` given) its `ETag`.
    private static func finish(_ response: Response, limits: RateLimiter.Decision?, request: Request?) -> Response {
        var response = response
        // The three limit fields, an ETag and the two of CORS (`immediateResponse`) in one copy.
        response.headers.reserveCapacity(adding: 6)
        if let limits { addLimitHeaders(&response, limits) }
        guard let request else { return response }
        return ETag.apply(to: response, request: request)
    }

    private static func rateLimited(_ decision: RateLimiter.Decision, now: Double) -> APIError {
        var error = APIError(status: 429, code: "RATE_LIMITED", message: "Rate limit exceeded")
        error.headers["Retry-After"] = String(decision.retryAfter(nowMillis: Int64(now * 1000)))
        return error
    }

    /// True when every name and value of a query string percent-decodes to UTF-8.
    static func isDecodable(_ query: Substring) -> Bool {
        query.isEmpty || query.split(separator: "&").allSatisfy { pair in
            pair.split(separator: "=", maxSplits: 1).allSatisfy { PercentDecoding.decode($0) != nil }
        }
    }

    /// The credential of `Authorization: Bearer <credential>`, if the header has that form.
    /// Credentials are one field (RFC 9110 §11.6.2): two Authorization headers are an ambiguous
    /// request, not a choice to make.
    static func bearer(_ request: Request) throws(APIError) -> String? {
        var authorization: String?
        for field in request.headers where Headers.equal(field.name, "Authorization") {
            guard authorization == nil else { throw .validation("Only one Authorization header is allowed") }
            authorization = field.value
        }
        guard var header = authorization else { return nil }
        return header.withUTF8 { credential(ofBearer: $0) }
    }

    /// The credential of `[spaces]Bearer<spaces>credential[spaces or tabs]`, the scheme in any case,
    /// read over the value's contiguous bytes (String indices cost a good part of a request here).
    /// Spaces and tabs are trimmed byte by byte: a character could join a space to what follows it.
    private static func credential(ofBearer bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 { start += 1 }
        var space = start
        while space < end, bytes[space] != 0x20 { space += 1 }
        guard space < end, space - start == 6 else { return nil }
        func letter(_ offset: Int) -> UInt8 { Headers.lower(bytes[start + offset]) }
        guard letter(0) == UInt8(ascii: "b"), letter(1) == UInt8(ascii: "e"), letter(2) == UInt8(ascii: "a"),
              letter(3) == UInt8(ascii: "r"), letter(4) == UInt8(ascii: "e"), letter(5) == UInt8(ascii: "r") else { return nil }
        var from = space + 1
        while from < end, bytes[from] == 0x20 || bytes[from] == 0x09 { from += 1 }
        while from < end, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return from == end ? nil : String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<end]), as: UTF8.self)
    }

    private static func authenticate(_ request: Request, service: Service, allowQueryToken: Bool) throws(APIError) -> TokenRecord {
        var presented = try Self.bearer(request)
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
        case .member, .apiKey: throw .forbidden
        }
    }

    private static func addLimitHeaders(_ response: inout Response, _ decision: RateLimiter.Decision) {
        response.headers.add("X-RateLimit-Limit", String(decision.limit))
        response.headers.add("X-RateLimit-Remaining", String(decision.remaining))
        response.headers.add("X-RateLimit-Reset", String(decision.resetMillis))
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

    /// The service once the first request has made it.
    var existing: Service? { slot.withLock { $0 } }

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
    /// The authenticated `ff_` token of an EdgeFlags route; nil on public and FeatureSignals routes.
    private(set) var token: TokenRecord?
    let service: Service
    let now: Double
    /// The member behind a FeatureSignals access JWT (and behind the bridge to `POST /api/v1/tokens`).
    var account: Account?
    /// The `fs_` key of a FeatureSignals evaluation route.
    var apiKey: APIKeyRecord?
    /// The project an EdgeFlags route works on: the token's.
    var project: String

    init(request: Request, env: Env, ctx: ExecutionContext, parameters: RouteParameters, token: TokenRecord?,
         service: Service, now: Double) {
        self.request = request
        self.env = env
        self.ctx = ctx
        self.parameters = parameters
        self.token = token
        self.service = service
        self.now = now
        project = token?.projectID ?? Project.defaultID
    }

    /// Authenticated by `token`: the call then works on the token's project.
    mutating func authenticate(_ token: TokenRecord) {
        self.token = token
        project = token.projectID
    }

    var actor: String { account?.email ?? token?.actor ?? apiKey.map { "\($0.keyPrefix)..." } ?? "system" }
    func parameter(_ name: String) -> String { parameters[name] ?? "" }
    var timestamp: String { Timestamp.format(now) }
}

/// A route of the API: what it needs, how it is rate-limited, and what the OpenAPI document says of it.
/// A class: the router hands the matched route to every request, one reference instead of a copy of
/// each field.
final class Route: Sendable {
    typealias Handler = @Sendable (Call) async throws(APIError) -> Response
    /// A handler that never suspends: the runner may call it without a task.
    typealias ImmediateHandler = @Sendable (Call) throws(APIError) -> Response
    let method: String
    /// OpenAPI-style path (`/api/v1/flags/{key}`).
    let path: String
    let access: Access
    let kind: RateLimiter.Kind
    let tag: String
    let summary: String
    /// Whether an owner's or admin's FeatureSignals access JWT may call it (the bridge).
    let acceptsAccount: Bool
    let handler: Handler
    let immediate: ImmediateHandler?
    let isFeatureSignals: Bool

    convenience init(method: String, path: String, access: Access, kind: RateLimiter.Kind = .management, tag: String,
                     summary: String, acceptsAccount: Bool = false, immediate: @escaping ImmediateHandler) {
        self.init(method: method, path: path, access: access, kind: kind, tag: tag, summary: summary,
                  acceptsAccount: acceptsAccount, handler: { call async throws(APIError) in try immediate(call) },
                  immediate: immediate)
    }

    init(method: String, path: String, access: Access, kind: RateLimiter.Kind = .management, tag: String,
         summary: String, acceptsAccount: Bool = false, handler: @escaping Handler, immediate: ImmediateHandler? = nil) {
        self.method = method
        self.path = path
        self.access = access
        self.kind = kind
        self.tag = tag
        self.summary = summary
        self.acceptsAccount = acceptsAccount
        self.handler = handler
        self.immediate = immediate
        isFeatureSignals = path.hasPrefix("/v1/")
    }
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
    /// `serve` calls this before listening: seeds the store, then compiles every project on a
    /// background queue so that the first evaluations after a start do not each pay for it.
    public func prepare(env: Env) async throws {
        try await Self.prepare(env: env)
        let service = try state.service(env: env)
        DispatchQueue.global(qos: .utility).async { service.projects.warmUp(store: service.flags) }
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
