import EdgeWorker

/// A route of the flag service: its method and path, its declared policy, what `/openapi.json`
/// says of it, and its handler composed with the admission its gate declares.
///
/// A class: the router hands the matched route to every request, one reference instead of a copy.
final class Route: Sendable {
    typealias Serve = @Sendable (inout Admission) async throws(APIError) -> Response
    typealias ServeNow = @Sendable (inout Admission) throws(APIError) -> Response

    let method: String
    /// OpenAPI-style path (`/api/v1/flags/{key}`).
    let path: String
    let policy: RoutePolicy
    /// What the runner's metrics count this route's requests under: its dialect and path template.
    let metricsTag: RouteTag
    let tag: String
    let summary: String
    /// Admits the caller and runs the handler.
    let serve: Serve
    /// The same, for a route that can answer without suspending (its gate and handler both can):
    /// the runner then needs no task for it.
    let serveNow: ServeNow?

    /// A route whose handler may suspend.
    convenience init<Who>(_ dialect: Dialect, _ method: String, _ path: String, _ gate: Gate<Who>, limit: RateLimit,
              tag: String, summary: String, handler: @escaping @Sendable (Call<Who>) async throws(APIError) -> Response) {
        self.init(dialect, method, path, gate, limit: limit, tag: tag, summary: summary, serveNow: nil) {
            (admission: inout Admission) async throws(APIError) -> Response in
            let caller: Who
            switch gate.admit {
            case .now(let admit): caller = try admit(&admission)
            case .later(let admit): caller = try await admit(&admission)
            }
            return try await handler(admission.call(caller))
        }
    }

    /// A route whose handler never suspends (evaluation, `/health`).
    convenience init<Who>(_ dialect: Dialect, _ method: String, _ path: String, _ gate: Gate<Who>, limit: RateLimit,
              tag: String, summary: String, immediate handler: @escaping @Sendable (Call<Who>) throws(APIError) -> Response) {
        switch gate.admit {
        case .now(let admit):
            let serveNow: ServeNow = { (admission: inout Admission) throws(APIError) -> Response in
                try handler(admission.call(try admit(&admission)))
            }
            self.init(dialect, method, path, gate, limit: limit, tag: tag, summary: summary, serveNow: serveNow) {
                (admission: inout Admission) async throws(APIError) -> Response in try serveNow(&admission)
            }
        case .later(let admit):
            self.init(dialect, method, path, gate, limit: limit, tag: tag, summary: summary, serveNow: nil) {
                (admission: inout Admission) async throws(APIError) -> Response in
                try handler(admission.call(try await admit(&admission)))
            }
        }
    }

    private init<Who>(_ dialect: Dialect, _ method: String, _ path: String, _ gate: Gate<Who>, limit: RateLimit,
                      tag: String, summary: String, serveNow: ServeNow?, serve: @escaping Serve) {
        self.method = method
        self.path = path
        policy = RoutePolicy(dialect: dialect, authentication: gate.authentication,
                             credentialLocation: gate.credentialLocation, rateLimit: limit)
        metricsTag = RouteTag(dialect: dialect.metricsName, template: path)
        self.tag = tag
        self.summary = summary
        self.serve = serve
        self.serveNow = serveNow
    }
}
