import Testing
@testable import EdgeWorker

@Suite("ConfigLoader: [assets] and routes")
struct AssetsAndRoutesConfigTests {
    @Test func assetsDirectoryIsResolvedAgainstTheConfigFolder() throws {
        let config = try ConfigLoader.parse("""
            main = "App"
            [assets]
            directory = "public"
            """, file: "/srv/app/wrangler-like.toml")
        #expect(config.assets == AssetsSettings(directory: "/srv/app/public"))
        let absolute = try ConfigLoader.parse("[assets]\ndirectory = \"/var/www\"", file: "/srv/app/wrangler-like.toml")
        #expect(absolute.assets?.directory == "/var/www")
        #expect(try ConfigLoader.parse("main = \"App\"").assets == nil)
    }

    @Test func assetsWithoutADirectoryIsAnError() {
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("[assets]\nbinding = \"ASSETS\"") }
    }

    @Test func routesNameWorkersAndDefaultToMain() throws {
        let config = try ConfigLoader.parse("""
            main = "App"
            routes = [
              { pattern = "/admin/*", worker = "Admin" },
              { pattern = "status.example.com/*" },
              "/legacy",
            ]
            """)
        #expect(config.routes == [WorkerRoute(pattern: "/admin/*", worker: "Admin"),
                                  WorkerRoute(pattern: "status.example.com/*", worker: "App"),
                                  WorkerRoute(pattern: "/legacy", worker: "App")])
    }

    @Test(arguments: ["admin", "/a*b", "{ worker = \"A\" }"])
    func malformedRoutesAreErrors(entry: String) {
        let text = entry.hasPrefix("{") ? "routes = [\(entry)]" : "routes = [\"\(entry)\"]"
        #expect(throws: ConfigError.self) { try ConfigLoader.parse("main = \"App\"\n" + text) }
    }

    @Test func patternsMatchHostAndPathLikeWorkersRoutes() {
        let prefix = WorkerRoute(pattern: "/api/*", worker: "Api")
        #expect(prefix.matches(host: nil, path: "/api/users"))
        #expect(prefix.matches(host: "any", path: "/api/"))
        #expect(!prefix.matches(host: nil, path: "/apix"))
        let exact = WorkerRoute(pattern: "/status", worker: "S")
        #expect(exact.matches(host: nil, path: "/status"))
        #expect(!exact.matches(host: nil, path: "/status/x"))
        let hosted = WorkerRoute(pattern: "*example.com/*", worker: "E")
        #expect(hosted.matches(host: "shop.example.com:8080", path: "/"))
        #expect(hosted.matches(host: "EXAMPLE.com", path: "/x"))
        #expect(!hosted.matches(host: "example.org", path: "/x"))
        #expect(!hosted.matches(host: nil, path: "/x"))
    }
}
