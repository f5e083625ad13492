import EdgeKV
import EdgeWorker

/// What `edgeworker serve` runs: the replication endpoints under `/__edge/`, the application
/// everywhere else. A replica that has not installed its first snapshot answers the application's
/// routes with 503 and `Retry-After` rather than pretending to be an empty store.
public struct ReplicationMount: Worker {
    public static let prefix = "/__edge/"
    let replication: ReplicationWorker
    let application: any Worker

    public init(_ replication: ReplicationWorker, application: any Worker) {
        self.replication = replication
        self.application = application
    }

    public func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        if request.path.hasPrefix(Self.prefix) || request.path == "/__edge" {
            return try await replication.fetch(request, env: env, ctx: ctx)
        }
        if let follower = replication.follower, !follower.hasData {
            var response = ReplicationWorker.error(503, "REPLICA_NOT_READY",
                                                   "This replica has not received a snapshot from its origin \(follower.origin) yet")
            response.headers["Retry-After"] = "1"
            return response
        }
        return try await application.fetch(request, env: env, ctx: ctx)
    }

    public func immediateResponse(to request: Request, env: Env, ctx: ExecutionContext) -> Response? {
        if request.path.hasPrefix(Self.prefix) || request.path == "/__edge" { return nil }
        if let follower = replication.follower, !follower.hasData { return nil }
        return application.immediateResponse(to: request, env: env, ctx: ctx)
    }

    /// Cron work changes data, so it runs on the origin only; replicas receive its results.
    public func scheduled(_ event: ScheduledEvent, env: Env, ctx: ExecutionContext) async throws {
        guard replication.follower == nil else { return }
        try await application.scheduled(event, env: env, ctx: ctx)
    }

    public func prepare(env: Env) async throws {
        try await application.prepare(env: env)
    }
}
