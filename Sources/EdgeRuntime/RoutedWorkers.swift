import EdgeWorker

/// Several registered workers behind one runner: each request goes to the worker of the first
/// `routes` entry that matches it, most specific (longest pattern) first as on Workers, and to
/// `main` when none does. Cron triggers run `main`'s `scheduled`; `prepare` runs for every worker.
struct RoutedWorkers: Worker {
    let main: any Worker
    let routes: [(route: WorkerRoute, worker: any Worker)]

    /// Resolves every route's worker by name first: a config naming an unknown worker fails at start.
    init(main: any Worker, routes: [WorkerRoute], lookup: (String) throws -> any Worker) throws {
        self.main = main
        self.routes = try routes.sorted { $0.pattern.count > $1.pattern.count }.map { ($0, try lookup($0.worker)) }
    }

    func worker(for request: Request) -> any Worker {
        let host = request.headers["Host"]
        return routes.first { $0.route.matches(host: host, path: request.path) }?.worker ?? main
    }

    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        try await worker(for: request).fetch(request, env: env, ctx: ctx)
    }

    func immediateResponse(to request: Request, env: Env, ctx: ExecutionContext) -> Response? {
        worker(for: request).immediateResponse(to: request, env: env, ctx: ctx)
    }

    func scheduled(_ event: ScheduledEvent, env: Env, ctx: ExecutionContext) async throws {
        try await main.scheduled(event, env: env, ctx: ctx)
    }

    /// Each distinct worker once (by route name), `main` first.
    func prepare(env: Env) async throws {
        try await main.prepare(env: env)
        var prepared: Set<String> = []
        for (route, worker) in routes where prepared.insert(route.worker).inserted {
            try await worker.prepare(env: env)
        }
    }

    func runnerErrorBody(status: Int, code: String, message: String, requestID: String?) -> [UInt8] {
        main.runnerErrorBody(status: status, code: code, message: message, requestID: requestID)
    }
}
