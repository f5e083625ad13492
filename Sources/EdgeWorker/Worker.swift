/// A handler in the Workers model: a function of (Request, Env, ExecutionContext) → Response.
///
/// An error a worker throws becomes a 500 with a generic body in the runner; workers that speak
/// an API dialect turn their own errors into that dialect's error bodies.
public protocol Worker: Sendable {
    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response
    /// Runs on each cron trigger of `[triggers] crons` in `wrangler-like.toml`.
    func scheduled(_ event: ScheduledEvent, env: Env, ctx: ExecutionContext) async throws
    /// Runs once before the runner listens (seeding an empty store, say); an error stops `serve`.
    func prepare(env: Env) async throws
}

extension Worker {
    public func prepare(env: Env) async throws {}

    public func scheduled(_ event: ScheduledEvent, env: Env, ctx: ExecutionContext) async throws {}
}

/// One firing of a cron trigger.
public struct ScheduledEvent: Sendable {
    public var cron: String
    /// Seconds since the Unix epoch at which the trigger was due.
    public var scheduledTime: Double

    public init(cron: String, scheduledTime: Double) {
        self.cron = cron
        self.scheduledTime = scheduledTime
    }
}
