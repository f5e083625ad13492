import EdgeWorker

/// Every route of every dialect, and the router made from them.
enum RouteTable {
    /// The router and `/openapi.json` are both made from this list.
    static let all: [Route] = ServiceRoutes.all + EdgeFlagsRoutes.all + FeatureSignalsRoutes.all + OFREPRoutes.all
        + ConsoleRoutes.all

    static let router: Router<Route> = {
        var router = Router<Route>()
        for route in all {
            let pattern = route.path.split(separator: "/").map { part -> String in
                part.hasPrefix("{") ? ":" + part.dropFirst().dropLast() : String(part)
            }.joined(separator: "/")
            router.add(route.method, "/" + pattern, route)
        }
        return router
    }()
}
