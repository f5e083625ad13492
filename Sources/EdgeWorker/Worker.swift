import EdgeJSON

/// A handler in the Workers model: a function of (Request, Env, ExecutionContext) → Response.
///
/// An error a worker throws becomes a 500 with a generic body in the runner; workers that speak
/// an API dialect turn their own errors into that dialect's error bodies.
public protocol Worker: Sendable {
    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response
    /// The response, if the worker can give it without suspending (a read served from memory); nil
    /// to have `fetch` called. The runner asks this first and, when it answers, needs no task for
    /// the request — on the hottest routes that task is a good part of the cost. Same semantics as
    /// `fetch`: it must answer exactly what `fetch` would.
    func immediateResponse(to request: Request, env: Env, ctx: ExecutionContext) -> Response?
    /// Runs on each cron trigger of `[triggers] crons` in `wrangler-like.toml`.
    func scheduled(_ event: ScheduledEvent, env: Env, ctx: ExecutionContext) async throws
    /// Runs once before the runner listens (seeding an empty store, say); an error stops `serve`.
    func prepare(env: Env) async throws
    /// The JSON body of an error the runner answers on the worker's behalf: a malformed or
    /// oversized request, a timeout, a refused connection, an error `fetch` threw. `code` is the
    /// runner's upper-case name for it (`BAD_REQUEST`, `REQUEST_TIMEOUT`, `PAYLOAD_TOO_LARGE`,
    /// `HEADERS_TOO_LARGE`, `NOT_IMPLEMENTED`, `UNAVAILABLE`, `INTERNAL_ERROR`). `requestID` is the
    /// request's id (`X-Request-Id`) when the error answers a request, nil for one the runner refused
    /// before any request (a connection over a cap, a request that never arrived whole). The
    /// default is `{"error": message, "code": code, "request_id": requestID}`.
    func runnerErrorBody(status: Int, code: String, message: String, requestID: String?) -> [UInt8]
}

extension Worker {
    /// By default a worker has no immediate answer: `fetch` is called.
    public func immediateResponse(to request: Request, env: Env, ctx: ExecutionContext) -> Response? { nil }

    /// By default there is nothing to prepare.
    public func prepare(env: Env) async throws {}

    /// By default a cron trigger does nothing.
    public func scheduled(_ event: ScheduledEvent, env: Env, ctx: ExecutionContext) async throws {}

    /// `{"error": message, "code": code, "request_id": requestID}` (no `request_id` when nil).
    public func runnerErrorBody(status: Int, code: String, message: String, requestID: String?) -> [UInt8] {
        var body: [String: JSONValue] = ["error": .string(message), "code": .string(code)]
        if let requestID { body["request_id"] = .string(requestID) }
        return JSONValue.object(body).serialized()
    }
}

/// One firing of a cron trigger.
public struct ScheduledEvent: Sendable {
    /// The cron expression of `[triggers] crons` that fired.
    public var cron: String
    /// Seconds since the Unix epoch at which the trigger was due.
    public var scheduledTime: Double

    /// An event for `cron`, due at `scheduledTime`.
    public init(cron: String, scheduledTime: Double) {
        self.cron = cron
        self.scheduledTime = scheduledTime
    }
}
