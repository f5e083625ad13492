import EdgeWorker
import Testing
@testable import EdgeRuntime

/// Answers with its own name, so a test sees which worker a request reached.
private struct Named: Worker {
    let name: String

    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        .text(name)
    }
}

@Suite("routes: several workers behind one runner")
struct RoutedWorkersTests {
    static let workers: [String: any Worker] = ["App": Named(name: "App"), "Api": Named(name: "Api"),
                                                "Admin": Named(name: "Admin"), "Shop": Named(name: "Shop")]

    static func lookup(_ name: String) throws -> any Worker {
        guard let worker = workers[name] else { throw OperatorError("no worker \(name)") }
        return worker
    }

    @Test func eachRequestReachesTheMostSpecificMatchingRouteElseMain() async throws {
        let routed = try RoutedWorkers(main: Named(name: "App"), routes: [
            WorkerRoute(pattern: "/api/*", worker: "Api"),
            WorkerRoute(pattern: "/api/admin/*", worker: "Admin"),
            WorkerRoute(pattern: "shop.example.com/*", worker: "Shop"),
        ], lookup: Self.lookup)
        let harness = try WorkerHarness(worker: routed)
        #expect(await harness.dispatch("GET", "/api/users").bodyText == "Api")
        #expect(await harness.dispatch("GET", "/api/admin/keys").bodyText == "Admin")
        #expect(await harness.dispatch("GET", "/", headers: ["Host": "shop.example.com"]).bodyText == "Shop")
        #expect(await harness.dispatch("GET", "/", headers: ["Host": "example.com"]).bodyText == "App")
        #expect(await harness.dispatch("GET", "/apiary").bodyText == "App")
    }

    @Test func aRouteToAnUnregisteredWorkerFailsAtStart() {
        #expect(throws: OperatorError.self) {
            try RoutedWorkers(main: Named(name: "App"), routes: [WorkerRoute(pattern: "/x/*", worker: "Missing")],
                              lookup: Self.lookup)
        }
    }
}
