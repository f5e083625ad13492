import Dispatch
import EdgeWorker
import Glibc

/// The flag service as a Worker: the EdgeFlags API (`/api/v1`, `ff_` tokens), the FeatureSignals
/// API (`/v1`, JWT accounts and `fs_` API keys) and OpenFeature's OFREP (`/ofrep/v1`) over the
/// `TOKENS` and `FLAGS` namespaces. Name it in
/// `wrangler-like.toml` as `main = "FlagsWorker"`.
///
/// Every route is declared in `RouteTable` with its policy (dialect, authentication, credential
/// location, rate limit); one admission pipeline reads it. Settings are in `FlagsSettings`; the
/// key layout is in `KeyLayout`.
public struct FlagsWorker: Worker {
    private let state = ServiceSlot()

    /// The KV namespaces the service reads and writes, by binding: credentials (stored by SHA-256
    /// hash) and everything an evaluation reads. Declare both in `wrangler-like.toml`.
    public static let bindings = ["FLAGS", "TOKENS"]

    public init() {}

    /// Seeds an empty store (the `default` project with `development`, `staging`, `production`) and
    /// installs `EDGE_BOOTSTRAP_TOKEN` if set. `serve` calls it before listening; requests also do.
    /// The default `JWT_SECRET` is warned about on stderr, and refused with `ENVIRONMENT=production`.
    public static func prepare(env: Env) async throws {
        let settings = FlagsSettings(env: env)
        if settings.usesDefaultJWTSecret {
            if settings.environment == "production" {
                throw OperatorError("JWT_SECRET is the default \"\(FlagsSettings.defaultJWTSecret)\"; refusing to start with ENVIRONMENT=production. Set the secret JWT_SECRET.")
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

    /// `serve` calls this before listening: seeds the store, then compiles every project on a
    /// background queue so that the first evaluations after a start do not each pay for it.
    public func prepare(env: Env) async throws {
        try await Self.prepare(env: env)
        let service = try state.service(env: env)
        DispatchQueue.global(qos: .utility).async { service.projects.warmUp(store: service.flags) }
    }

    public func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        let service: Service
        do {
            service = try state.service(env: env)
            try await service.prepare(now: env.clock())
        } catch {
            return error.response
        }
        switch FrontDoor.admit(request) {
        case .answered(let response):
            return response
        case .route(let route, let parameters):
            var admission = Admission(policy: route.policy, request: request, env: env, ctx: ctx, parameters: parameters,
                                      service: service, now: env.clock())
            let response: Response
            do {
                response = try await route.serve(&admission)
            } catch {
                return Self.tagged(CORS.decorate(Self.finish(route.policy.dialect.response(for: error), admission, answered: false)), route)
            }
            return Self.tagged(CORS.decorate(Self.finish(response, admission, answered: true)), route)
        }
    }

    /// The hot read routes (evaluation, `/health`) answered without suspending, so the runner needs no
    /// task for them: everything they read is memory-mapped KV and compiled snapshots in memory. Nil
    /// for anything else (a route that writes, a JWT to verify, a store not seeded yet): `fetch` then.
    public func immediateResponse(to request: Request, env: Env, ctx: ExecutionContext) -> Response? {
        guard let service = state.existing, service.isPrepared else { return nil }
        switch FrontDoor.admit(request) {
        case .answered(let response):
            return response
        case .route(let route, let parameters):
            guard let serveNow = route.serveNow else { return nil }
            var admission = Admission(policy: route.policy, request: request, env: env, ctx: ctx, parameters: parameters,
                                      service: service, now: env.clock())
            let response: Response
            do {
                response = try serveNow(&admission)
            } catch {
                return Self.tagged(CORS.decorate(Self.finish(route.policy.dialect.response(for: error), admission, answered: false)), route)
            }
            return Self.tagged(CORS.decorate(Self.finish(response, admission, answered: true)), route)
        }
    }

    /// `response` counted under `route` in the runner's metrics.
    private static func tagged(_ response: Response, _ route: Route) -> Response {
        var response = response
        response.route = route.metricsTag
        return response
    }

    /// The limit headers of the admission, and for a handler's answer in a dialect that tags them,
    /// its `ETag` (`If-None-Match` → 304).
    private static func finish(_ response: Response, _ admission: Admission, answered: Bool) -> Response {
        var response = response
        // The three limit fields, an ETag and the two of CORS in one copy.
        response.headers.reserveCapacity(adding: 6)
        if let limits = admission.limits {
            response.headers.add("X-RateLimit-Limit", String(limits.limit))
            response.headers.add("X-RateLimit-Remaining", String(limits.remaining))
            response.headers.add("X-RateLimit-Reset", String(limits.resetMillis))
        }
        guard answered, admission.policy.dialect.tagsAnswers else { return response }
        return ETag.apply(to: response, request: admission.request)
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
}
