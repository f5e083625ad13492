import EdgeJSON
import Foundation
import Testing

/// nginx with the committed PoP config (scripts/nginx), started on loopback for one test.
private final class PoPProxy: @unchecked Sendable {
    let directory: String
    let port = freePort()
    private var process: Process?

    static var nginx: String? {
        ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    init(root: String, origin: EdgeNode, replicas: [EdgeNode], pop: String) throws {
        directory = root + "/nginx"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let render = Process()
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        render.executableURL = URL(fileURLWithPath: repository.appendingPathComponent("scripts/nginx/render").path)
        render.arguments = [directory + "/nginx.conf", "--listen", "127.0.0.1:\(port)", "--origin", "127.0.0.1:\(origin.port)",
                            "--pop", pop] + replicas.flatMap { ["--replica", "127.0.0.1:\($0.port)"] }
        try render.run()
        render.waitUntilExit()  // a shell script of a few milliseconds
        guard render.terminationStatus == 0 else { throw EdgeworkerBinary.Failure(description: "render failed") }
    }

    func start() async throws {
        guard let nginx = Self.nginx else { throw EdgeworkerBinary.Failure(description: "nginx is not installed") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: nginx)
        process.arguments = ["-c", directory + "/nginx.conf", "-g", "daemon off;"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if (try? await HTTP.send("GET", "http://127.0.0.1:\(port)/health").0) == 200 { return }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        throw EdgeworkerBinary.Failure(description: "nginx did not start: \((try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? "")")
    }

    /// For `defer`: SIGTERM; nginx exits by itself.
    func stop() {
        guard let process, process.isRunning else { return }
        process.terminate()
    }
}

/// Access-log lines of a node for one route (the runner writes one JSON object per request).
private func accessLog(of node: EdgeNode, target: String) -> [JSONValue] {
    node.log().split(separator: "\n").compactMap { line -> JSONValue? in
        guard line.hasPrefix("{"), let entry = try? JSONValue.parse(String(line)), entry["target"]?.stringValue == target else {
            return nil
        }
        return entry
    }
}

/// Runs `body` with the nodes of a test and their origin, started, with an admin token on it; when
/// nginx is missing, records that instead.
private func withOrigin(accessLog: String = "off",
                        _ body: (_ nodes: NodeSet, _ origin: EdgeNode, _ token: String) async throws -> Void) async throws {
    guard PoPProxy.nginx != nil else {
        Issue.record("nginx is not installed: apt-get install nginx-light (scripts/test does)")
        return
    }
    try await NodeSet.with { nodes in
        let origin = try nodes.node("origin", accessLog: accessLog)
        try await origin.start()
        let directory = origin.directory
        let token = try await offPool {
            try EdgeworkerBinary.run(["token", "create", "--project", "default", "--permissions", "*", "--name", "admin"],
                                     in: directory).out.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try await body(nodes, origin, token)
    }
}

@Suite("Through the PoP's nginx (scripts/nginx)", .serialized)
struct ReverseProxyTests {
    @Test func readsReachAReplicaWritesReachTheOriginAndTheClientIPIsNginxs() async throws {
        try await withOrigin(accessLog: "info") { nodes, origin, token in
            let replicas = try (1...2).map { try nodes.node("replica\($0)", replicaOf: origin.url, accessLog: "info") }
            for replica in replicas { try await replica.start() }
            let proxy = try PoPProxy(root: nodes.root, origin: origin, replicas: replicas, pop: "test-pop")
            nodes.onStop { proxy.stop() }
            try await proxy.start()
            let pop = "http://127.0.0.1:\(proxy.port)"
            // The client sits on another loopback address than nginx, so the two can be told apart,
            // and it tries to pass itself off as someone else.
            func viaPoP(_ arguments: [String]) async throws -> (Int, JSONValue) {
                let output = try await curlOffPool(["--interface", "127.0.0.2", "-H", "Authorization: Bearer \(token)",
                                       "-H", "X-Forwarded-For: 203.0.113.66", "-w", "\n%{http_code}"] + arguments)
                let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
                return (Int(lines.last ?? "") ?? 0, (try? JSONValue.parse(lines.dropLast().joined(separator: "\n"))) ?? .null)
            }

            // A write through the PoP reaches the origin (a replica would answer 403).
            let created = try await viaPoP(["-X", "POST", pop + "/api/v1/flags", "-H", "Content-Type: application/json",
                                      "--data", #"{"key":"via-pop","enabled":true,"value":"edge"}"#])
            #expect(created.0 == 201, "\(created.1)")
            // (Access logs are flushed every 100 ms.)
            #expect(await eventually(timeout: 3) {
                accessLog(of: origin, target: "/api/v1/flags").contains { $0["method"] == "POST" && $0["status"]?.doubleValue == 201 }
            })
            #expect(await eventually { try await replicas[0].status()["applied_sequence"] == (try await origin.status())["sequence"] })
            #expect(await eventually { try await replicas[1].status()["applied_sequence"] == (try await origin.status())["sequence"] })

            // Evaluations through the PoP are answered by the replicas, never the origin.
            for _ in 0..<6 {
                let evaluated = try await viaPoP(["-X", "POST", pop + "/api/v1/evaluate", "--data", #"{"context":{"user_id":"u1"}}"#])
                #expect(evaluated.0 == 200)
                #expect(evaluated.1["flags"]?["via-pop"] == "edge")
            }
            let single = try await viaPoP([pop + "/api/v1/flags/via-pop"])
            #expect(single.0 == 200 && single.1["value"] == "edge")
            #expect(await eventually(timeout: 3) { replicas.flatMap { accessLog(of: $0, target: "/api/v1/evaluate") }.count == 6 })
            let served = replicas.flatMap { accessLog(of: $0, target: "/api/v1/evaluate") }
            #expect(accessLog(of: origin, target: "/api/v1/evaluate").isEmpty)
            // What the worker saw as the client: the address nginx forwarded, not nginx, not the spoof.
            #expect(!served.isEmpty && served.allSatisfy { $0["client"] == "127.0.0.2" }, "\(served.map(\.jsonString))")

            // Replication stays between nodes.
            #expect(try await viaPoP([pop + "/__edge/status"]).0 == 404)
        }
    }

    @Test func readsGoOnWhenTheOriginIsDownAndFallBackToItWhenNoReplicaIsUp() async throws {
        try await withOrigin { nodes, origin, token in
            let replica = try nodes.node("replica", replicaOf: origin.url)
            try await replica.start()
            let proxy = try PoPProxy(root: nodes.root, origin: origin, replicas: [replica], pop: "p")
            nodes.onStop { proxy.stop() }
            try await proxy.start()
            let auth = ["-H", "Authorization: Bearer \(token)", "-o", "/dev/null", "-w", "%{http_code}"]
            let pop = "http://127.0.0.1:\(proxy.port)"
            #expect(await eventually { try await replica.status()["state"] == "following" })

            await origin.stop()
            #expect(try await curlOffPool(auth + ["-X", "POST", pop + "/api/v1/evaluate", "--data", #"{"context":{}}"#]) == "200")
            #expect(try await curlOffPool(auth + ["-X", "POST", pop + "/api/v1/flags", "--data", #"{"key":"x","enabled":true}"#]) == "502")

            try await origin.start()
            await replica.stop()
            #expect(try await curlOffPool(auth + ["-X", "POST", pop + "/api/v1/evaluate", "--data", #"{"context":{}}"#]) == "200")
        }
    }

    @Test func evaluationPOSTsThatAReplicaWithoutItsSnapshotRefusesGoOnToAnotherReplica() async throws {
        try await withOrigin(accessLog: "info") { nodes, origin, token in
            // It follows an origin that is not there: it never gets a snapshot, so it answers every
            // application request with 503 REPLICA_NOT_READY.
            let unready = try nodes.node("unready", replicaOf: "http://127.0.0.1:\(freePort())", accessLog: "info")
            try await unready.start()
            let replica = try nodes.node("replica", replicaOf: origin.url, accessLog: "info")
            try await replica.start()
            #expect(await eventually { try await replica.status()["state"] == "following" })
            // The unready replica first: it is the one nginx's round robin tries first.
            let proxy = try PoPProxy(root: nodes.root, origin: origin, replicas: [unready, replica], pop: "p")
            nodes.onStop { proxy.stop() }
            try await proxy.start()
            let pop = "http://127.0.0.1:\(proxy.port)"

            // Until nginx has tried the unready replica with an evaluation (after a 503 it leaves
            // that replica alone for 2 s), every evaluation through the PoP must still be answered.
            let evaluate = ["-H", "Authorization: Bearer \(token)", "-o", "/dev/null", "-w", "%{http_code}",
                            "-X", "POST", pop + "/api/v1/evaluate", "--data", #"{"context":{}}"#]
            var codes: [String] = []
            var refusedByUnready: [JSONValue] = []
            let deadline = Date().addingTimeInterval(10)
            while refusedByUnready.isEmpty && Date() < deadline {
                codes.append(try await curlOffPool(evaluate))
                try await Task.sleep(nanoseconds: 150_000_000)  // (access logs are flushed every 100 ms)
                refusedByUnready = accessLog(of: unready, target: "/api/v1/evaluate").filter { $0["status"]?.doubleValue == 503 }
            }
            #expect(!refusedByUnready.isEmpty, "nginx never sent an evaluation to the unready replica")
            #expect(!codes.isEmpty && codes.allSatisfy { $0 == "200" }, "\(codes)")
            #expect(await eventually(timeout: 3) { accessLog(of: replica, target: "/api/v1/evaluate").count == codes.count })
            #expect(accessLog(of: origin, target: "/api/v1/evaluate").isEmpty)
        }
    }
}

/// `curl` on a Dispatch thread (it blocks until the answer).
func curlOffPool(_ arguments: [String]) async throws -> String {
    try await offPool { try curl(arguments) }
}
