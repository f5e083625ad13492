import EdgeWorker

/// What every request meets before its route: CORS preflights, routing, and the query check, each
/// refusal in the dialect the client speaks.
enum FrontDoor {
    enum Outcome {
        /// Answered before any route runs: a preflight, a 404, a 405, an unreadable query.
        case answered(Response)
        case route(Route, RouteParameters)
    }

    static func admit(_ request: Request) -> Outcome {
        if request.method == "OPTIONS" { return .answered(CORS.preflight(request)) }
        switch RouteTable.router.match(method: request.method, path: request.path) {
        case .notFound:
            let dialect = Dialect.mounted(at: request.path)
            return refuse(isDecodable(request.query) ? dialect.routeNotFound : invalidQuery, in: dialect)
        case .methodNotAllowed(let allowed):
            // The path is a route's under another method: that route's dialect answers.
            var dialect = Dialect.mounted(at: request.path)
            if let method = allowed.first, case .found(let route, _) = RouteTable.router.match(method: method, path: request.path) {
                dialect = route.policy.dialect
            }
            return refuse(isDecodable(request.query) ? .methodNotAllowed(allowed) : invalidQuery, in: dialect)
        case .found(let route, let parameters):
            // A parameter that cannot be read must not be taken as absent (`?context=%FF` would evaluate for no one).
            guard isDecodable(request.query) else { return refuse(invalidQuery, in: route.policy.dialect) }
            return .route(route, parameters)
        }
    }

    private static let invalidQuery = APIError.validation("Invalid query string: malformed percent-encoding or UTF-8")

    private static func refuse(_ error: APIError, in dialect: Dialect) -> Outcome {
        var response = CORS.decorate(dialect.response(for: error))
        response.route = dialect.unmatchedTag
        return .answered(response)
    }

    /// True when every name and value of a query string percent-decodes to UTF-8.
    static func isDecodable(_ query: Substring) -> Bool {
        query.isEmpty || query.split(separator: "&").allSatisfy { pair in
            pair.split(separator: "=", maxSplits: 1).allSatisfy { PercentDecoding.decode($0) != nil }
        }
    }
}
