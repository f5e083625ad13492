import Foundation
import Testing

/// `routes` and `[assets]` of wrangler-like.toml on the real runner: several registered workers
/// behind one port, files served before them.
@Suite("serve: routes and [assets]")
struct RoutesAndAssetsTests {
    @Test func routesSendPathsToOtherWorkersAndAssetsComeFirst() throws {
        let directory = try EdgeworkerBinary.makeWorkspace(main: "HealthWorker", extraConfig: """

            [assets]
            directory = "public"
            """)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // `routes` is a top-level key: it must come before the first [table] of the file.
        let config = directory + "/wrangler-like.toml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try ("routes = [{ pattern = \"/api/*\", worker = \"FlagsWorker\" }]\n" + text)
            .write(toFile: config, atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: directory + "/public", withIntermediateDirectories: true)
        try "hello asset".write(toFile: directory + "/public/hello.txt", atomically: true, encoding: .utf8)
        try "outside".write(toFile: directory + "/outside.txt", atomically: true, encoding: .utf8)

        let (server, port) = try EdgeworkerBinary.serve(in: directory)
        defer { server.terminate(); server.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"
        // main answers what no route takes; FlagsWorker answers /api/* (its 401 without a token).
        #expect(try http("GET", base + "/health", token: nil).status == 200)
        #expect(try http("GET", base + "/api/v1/flags", token: nil).status == 401)
        #expect(try http("GET", base + "/elsewhere", token: nil).status == 404)
        // The asset before any worker, revalidated by its ETag; nothing outside the folder.
        let asset = try curl(["-i", base + "/hello.txt"])
        #expect(asset.hasPrefix("HTTP/1.1 200"))
        #expect(asset.hasSuffix("hello asset"))
        let etag = try #require(asset.split(separator: "\r\n").first { $0.lowercased().hasPrefix("etag:") }?
            .dropFirst("etag:".count).trimmingCharacters(in: .whitespaces))
        #expect(try curl(["-o", "/dev/null", "-w", "%{http_code}", "-H", "If-None-Match: \(etag)", base + "/hello.txt"]) == "304")
        #expect(try curl(["-o", "/dev/null", "-w", "%{http_code}", "-I", base + "/hello.txt"]) == "200")
        #expect(try curl(["--path-as-is", base + "/../outside.txt"]).contains("outside") == false)
        #expect(try curl(["--path-as-is", base + "/%2e%2e/outside.txt"]).contains("outside") == false)
    }

    @Test func aRouteToAWorkerTheBinaryDoesNotHaveStopsServeWithItsName() throws {
        let directory = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = directory + "/wrangler-like.toml"
        let text = try String(contentsOfFile: config, encoding: .utf8)
        try ("routes = [{ pattern = \"/x/*\", worker = \"NoSuchWorker\" }]\n" + text)
            .write(toFile: config, atomically: true, encoding: .utf8)
        let result = try EdgeworkerBinary.run(["serve", "--port", "0"], in: directory)
        #expect(result.status != 0)
        #expect(result.err.contains("\"NoSuchWorker\" is not a worker this binary has"))
    }
}
