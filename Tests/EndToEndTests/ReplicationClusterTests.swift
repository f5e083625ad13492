import EdgeJSON
import EdgeKV
import Foundation
import Testing

/// An origin, its replicas and an admin token, started for one test and always stopped.
final class Cluster: @unchecked Sendable {
    private(set) var root = ""
    let origin: EdgeNode
    var replicas: [EdgeNode] = []
    let admin: String

    private init(origin: EdgeNode, admin: String) {
        self.origin = origin
        self.admin = admin
    }

    static func start(replicas count: Int, originConfig: String = "", replicaConfig: String = "") async throws -> Cluster {
        let root = NSTemporaryDirectory() + "edgeworker-cluster-\(UUID().uuidString)"
        let origin = try EdgeNode(name: "origin", root: root, extraConfig: originConfig)
        try await origin.start()
        let directory = origin.directory
        let created = try await offPool {
            try EdgeworkerBinary.run(["token", "create", "--project", "default", "--permissions", "*", "--name", "admin"],
                                     in: directory)
        }
        let cluster = Cluster(origin: origin, admin: created.out.trimmingCharacters(in: .whitespacesAndNewlines))
        cluster.root = root
        guard created.status == 0 else {
            await cluster.stopAll()
            throw EdgeworkerBinary.Failure(description: created.err)
        }
        for i in 0..<count {
            let replica = try EdgeNode(name: "replica\(i + 1)", root: root, replicaOf: origin.url, extraConfig: replicaConfig)
            cluster.replicas.append(replica)
            try await replica.start()
        }
        return cluster
    }

    /// Starts a cluster, runs `body`, and stops every node (checking that each stops gracefully)
    /// whatever `body` does.
    static func with(replicas count: Int, originConfig: String = "", replicaConfig: String = "",
                     _ body: (Cluster) async throws -> Void) async throws {
        let cluster = try await start(replicas: count, originConfig: originConfig, replicaConfig: replicaConfig)
        do {
            try await body(cluster)
        } catch {
            await cluster.stopAll()
            throw error
        }
        await cluster.stopAll()
    }

    func stopAll() async {
        for node in replicas + extraNodes + [origin] { await node.stop() }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// Nodes a test added (stopped with the cluster).
    var extraNodes: [EdgeNode] = []

    var auth: [String: String] { ["Authorization": "Bearer \(admin)"] }

    @discardableResult
    func createFlag(_ key: String, on node: EdgeNode? = nil, value: String = "true") async throws -> Int {
        try await HTTP.send("POST", (node ?? origin).url + "/api/v1/flags", headers: auth,
                            body: #"{"key":"\#(key)","enabled":true,"value":\#(value)}"#).0
    }

    func evaluate(_ key: String, on node: EdgeNode) async throws -> (Int, JSONValue) {
        let (code, body) = try await HTTP.send("GET", node.url + "/api/v1/flags/\(key)", headers: auth)
        return (code, (try? JSONValue.parse(body)) ?? .null)
    }

    /// True once every replica reports the origin's current sequence as applied.
    func converged(timeout: Double = 15) async -> Bool {
        await eventually(timeout: timeout) {
            let target = try await origin.status()["sequence"]?.doubleValue ?? -1
            for replica in replicas {
                let status = try await replica.status()
                guard status["applied_sequence"]?.doubleValue == target, status["state"] == "following" else { return false }
            }
            return true
        }
    }

    /// The full contents of every store, read from the files.
    func listings() throws -> [[String: [String: String]]] {
        try ([origin] + replicas).map { node in
            let store = try node.openStore()
            defer { store.close() }
            return try fullListing(of: store)
        }
    }

    /// Creates `count` flags at the origin, `concurrency` requests at a time; returns the failures.
    func createFlags(_ count: Int, prefix: String, concurrency: Int = 8) async -> Int {
        await withTaskGroup(of: Int.self) { group in
            var next = 0
            var failures = 0
            func add() {
                let key = "\(prefix)-\(next)"
                next += 1
                group.addTask { (try? await self.createFlag(key)) == 201 ? 0 : 1 }
            }
            for _ in 0..<min(concurrency, count) { add() }
            for await failed in group {
                failures += failed
                if next < count { add() }
            }
            return failures
        }
    }
}

@Suite("Multi-node replication (real processes on loopback)", .serialized)
struct ReplicationClusterTests {
    @Test func writesAtTheOriginReachBothReplicasWithP99LagUnderOneSecond() async throws {
        try await Cluster.with(replicas: 2) { cluster in
            #expect(await cluster.converged())
            let sequenceBefore = try await cluster.origin.status()["sequence"]?.doubleValue ?? .infinity

            let failures = await cluster.createFlags(1000, prefix: "lag")
            #expect(failures == 0)
            // The last write, seen from outside: visible on both replicas within a second.
            let started = Date()
            for replica in cluster.replicas {
                #expect(await eventually(timeout: 1) { try await cluster.evaluate("lag-999", on: replica).0 == 200 })
            }
            #expect(Date().timeIntervalSince(started) <= 1)
            #expect(await cluster.converged())
            // Each flag is two changes (the flag and its audit entry).
            let produced = (try await cluster.origin.status()["sequence"]?.doubleValue ?? 0) - sequenceBefore
            #expect(produced >= 2000)
            for replica in cluster.replicas {
                let status = try await replica.status()
                let delays = try #require(status["apply_delay_ms"])
                // The percentiles are over every change of the 1,000 writes, not the last of them.
                #expect((delays["samples"]?.doubleValue ?? 0) >= produced, "\(replica.name): \(delays.jsonString)")
                #expect(delays["samples"] == status["changes_applied"])
                #expect((delays["p99"]?.doubleValue ?? .infinity) <= 1000, "\(replica.name): \(delays.jsonString)")
                #expect(status["lag_sequences"]?.doubleValue == 0)
            }
            let listings = try cluster.listings()
            #expect(listings[1] == listings[0])
            #expect(listings[2] == listings[0])
            #expect(listings[0]["flags"]?.keys.filter { $0.hasPrefix("flag:default:lag-") }.count == 1000)
        }
    }

    @Test func deletesAndExpiriesPropagate() async throws {
        try await Cluster.with(replicas: 2) { cluster in
            try await cluster.createFlag("doomed")
            #expect(await cluster.converged())
            for replica in cluster.replicas { #expect(try await cluster.evaluate("doomed", on: replica).0 == 200) }
            let (deleted, _) = try await HTTP.send("DELETE", cluster.origin.url + "/api/v1/flags/doomed", headers: cluster.auth)
            #expect(deleted == 200)
            #expect(await cluster.converged())
            for replica in cluster.replicas { #expect(try await cluster.evaluate("doomed", on: replica).0 == 404) }

            // An expiring key, written into the origin's store as another process would (the clock of
            // that writer is set back so that 5 s from now is 65 s from "its" now: KV wants ≥ 60 s).
            func rawCount(_ node: EdgeNode) async throws -> Double { try await node.status()["keys"]?["flags"]?.doubleValue ?? -1 }
            let before = try await rawCount(cluster.origin)
            let sequenceBefore = try await cluster.origin.status()["sequence"]?.doubleValue ?? 0
            var options = KVStoreOptions()
            options.mapSizeBytes = 512 << 20
            options.sweepIntervalSeconds = 3600
            options.clock = { Date().timeIntervalSince1970 - 60 }
            let writer = try KVStore(directory: cluster.origin.storePath, namespaces: ["flags", "tokens"], options: options)
            let expiration = Int64(Date().timeIntervalSince1970) + 5
            try await writer.namespace("flags")!.put("short-lived", "v", options: KVPutOptions(expiration: expiration))
            writer.close()
            // The origin notices another process's commit within 250 ms; then the replicas get it.
            let withKey = before + 1
            #expect(await eventually { try await cluster.origin.status()["sequence"]?.doubleValue ?? 0 > sequenceBefore })
            #expect(await cluster.converged())
            for replica in cluster.replicas { #expect(try await rawCount(replica) == withKey) }
            // The origin sweeps it (every second here) and the expiry travels as a change.
            #expect(await eventually(timeout: 15) { try await rawCount(cluster.origin) == withKey - 1 })
            #expect(await cluster.converged())
            for replica in cluster.replicas { #expect(try await rawCount(replica) == withKey - 1) }
            let listings = try cluster.listings()
            #expect(listings[1] == listings[0] && listings[2] == listings[0])
        }
    }

    @Test func aReplicaKilledDuringCatchUpRestartsAndConvergesExactly() async throws {
        // Small pages so that catching up on thousands of changes takes many round trips.
        try await Cluster.with(replicas: 1, replicaConfig: "[replication]\npage_size = 25") { cluster in
            let replica = cluster.replicas[0]
            #expect(await cluster.converged())
            await replica.stop()
            #expect(await cluster.createFlags(1500, prefix: "catch-up") == 0)
            let target = try await cluster.origin.status()["sequence"]?.doubleValue ?? 0

            try await replica.start()
            // Kill it once it is part-way through the feed.
            let midway = await eventually(timeout: 20) {
                let applied = try await replica.status()["applied_sequence"]?.doubleValue ?? 0
                return applied > target - 2500 && applied < target - 200
            }
            #expect(midway, "never saw the replica part-way through its catch-up")
            await replica.kill()
            try await replica.start()
            #expect(await cluster.converged(timeout: 30))
            let listings = try cluster.listings()
            #expect(listings[1] == listings[0])
            let status = try await replica.status()
            #expect(status["snapshots_installed"]?.doubleValue == 0)  // resumed from the feed, no snapshot
        }
    }

    @Test func aReplicaWhoseSequenceFellOutOfRetentionResnapshotsByItself() async throws {
        try await Cluster.with(replicas: 1, originConfig: "change_log_max_entries = 50") { cluster in
            let replica = cluster.replicas[0]
            #expect(await cluster.converged())
            await replica.stop()
            #expect(await cluster.createFlags(100, prefix: "retained") == 0)  // 200 changes > 50 kept
            try await replica.start()
            #expect(await cluster.converged())
            let status = try await replica.status()
            #expect(status["snapshots_installed"]?.doubleValue == 1)
            #expect(replica.log().contains("outside the origin's retained log"))
            let listings = try cluster.listings()
            #expect(listings[1] == listings[0])
        }
    }

    @Test func anOriginRestartMakesReplicasLoseOrDuplicateNothing() async throws {
        try await Cluster.with(replicas: 2) { cluster in
            #expect(await cluster.converged())
            // Where the replicas start following from (their first snapshot holds what came before).
            let start = try await cluster.origin.status()["sequence"]?.doubleValue ?? .infinity
            var appliedAtStart: [Double] = []
            for replica in cluster.replicas {
                appliedAtStart.append(try await replica.status()["changes_applied"]?.doubleValue ?? .infinity)
            }

            #expect(await cluster.createFlags(50, prefix: "before") == 0)
            #expect(await cluster.converged())
            await cluster.origin.stop()
            // While it is down, another process (the CLI) writes to its store: a change the replicas
            // must get from the restarted origin's log.
            let offline = try cluster.origin.openStore()
            try await offline.namespace("flags")!.put("written-while-down", "v")
            offline.close()
            try await cluster.origin.start()
            #expect(await cluster.createFlags(50, prefix: "after") == 0)
            #expect(await cluster.converged(timeout: 20))

            // Two changes a flag (it and its audit entry) and the offline put: the restarted origin
            // repeated no sequence and skipped none.
            let end = try await cluster.origin.status()["sequence"]?.doubleValue ?? 0
            #expect(end - start == 201)
            let listings = try cluster.listings()
            #expect(listings[0]["flags"]?["written-while-down"] != nil)
            #expect(listings[0]["flags"]?.keys.filter { $0.hasPrefix("flag:default:after-") }.count == 50)
            #expect(listings[1] == listings[0])
            #expect(listings[2] == listings[0])
            for (replica, before) in zip(cluster.replicas, appliedAtStart) {
                let status = try await replica.status()
                #expect(status["snapshots_installed"]?.doubleValue == 1)  // only the first one
                #expect(status["applied_sequence"]?.doubleValue == end)
                // Every change since it started following applied exactly once: none twice.
                #expect((status["changes_applied"]?.doubleValue ?? 0) - before == end - start, "\(replica.name): \(status.jsonString)")
            }
        }
    }

    @Test func aReplicaStartedWhileTheOriginIsDownServesItsLastDataAndCatchesUp() async throws {
        try await Cluster.with(replicas: 1) { cluster in
            let replica = cluster.replicas[0]
            try await cluster.createFlag("kept")
            #expect(await cluster.converged())
            await replica.stop()
            await cluster.origin.stop()

            try await replica.start()
            #expect(try await cluster.evaluate("kept", on: replica).0 == 200)
            #expect(await eventually(timeout: 5) { try await replica.status()["state"] == "disconnected" })
            let status = try await replica.status()
            #expect(status["last_error"]?.stringValue?.contains("unreachable") == true)
            #expect((status["lag_seconds"]?.doubleValue ?? 0) > 0)
            // Writes are refused, naming the origin, in the dialect of each API.
            let (refused, body) = try await HTTP.send("POST", replica.url + "/api/v1/flags", headers: cluster.auth,
                                                      body: #"{"key":"refused","enabled":true,"value":true}"#)
            #expect(refused == 403)
            let sendWritesTo = "This node is a read-only replica of \(cluster.origin.url); send writes to the origin."
            #expect(try JSONValue.parse(body) == ["code": "READ_ONLY_REPLICA", "error": .string(sendWritesTo),
                                                  "details": ["origin": .string(cluster.origin.url)]])
            let (registered, fsBody) = try await HTTP.send("POST", replica.url + "/v1/auth/register", body:
                #"{"email":"ada@example.org","password":"correct horse","name":"Ada","org_name":"Analytical"}"#)
            #expect(registered == 403)
            #expect(try JSONValue.parse(fsBody) == ["error": .string(sendWritesTo.lowercased())])

            try await cluster.origin.start()
            try await cluster.createFlag("while-away")
            #expect(await eventually(timeout: 15) { try await cluster.evaluate("while-away", on: replica).0 == 200 })
            #expect(await cluster.converged())
        }
    }

    @Test func cachesAndStreamsOnAReplicaFollowTheOrigin() async throws {
        guard WebSocketProbe.available else {
            Issue.record("Python's websockets package is missing (scripts/test installs it)")
            return
        }
        try await Cluster.with(replicas: 1) { cluster in
            let replica = cluster.replicas[0]
            try await cluster.createFlag("banner", value: #""v1""#)
            let (_, minted) = try await HTTP.send("POST", cluster.origin.url + "/api/v1/tokens", headers: cluster.auth,
                                                  body: #"{"name":"sdk","project_id":"default","permissions":["read:flags"]}"#)
            let sdk = try #require(try JSONValue.parse(minted)["token"]?.stringValue)
            let listed = try JSONValue.parse(try await HTTP.send("GET", cluster.origin.url + "/api/v1/tokens", headers: cluster.auth).1)
            let hash = try #require(listed["tokens"]?.arrayValue?.first { $0["name"] == "sdk" }?["hash"]?.stringValue)
            #expect(await cluster.converged())
            let sdkAuth = ["Authorization": "Bearer \(sdk)"]
            #expect(try await HTTP.send("GET", replica.url + "/api/v1/flags/banner", headers: sdkAuth).0 == 200)

            // A subscriber on the replica hears of a change made at the origin.
            let probe = try await WebSocketProbe.subscribe("ws://127.0.0.1:\(replica.port)/stream/flags?token=\(sdk)",
                                                     context: #"{"user_id": "u1"}"#, directory: cluster.root)
            let (updated, _) = try await HTTP.send("PUT", cluster.origin.url + "/api/v1/flags/banner", headers: cluster.auth,
                                                   body: #"{"value":"v2"}"#)
            #expect(updated == 200)
            let heard = try await probe.collect().get()
            #expect(heard.snapshot["flags"] == ["banner": "v1"])
            #expect(heard.next["changes"] == [["type": "flag", "kind": "flag", "key": "banner", "value": "v2"]])
            #expect(heard.seconds < 1)

            // A token revoked at the origin stops working at the replica too.
            let (revoked, _) = try await HTTP.send("DELETE", cluster.origin.url + "/api/v1/tokens/\(hash)", headers: cluster.auth)
            #expect(revoked == 200)
            #expect(await eventually(timeout: 1) {
                try await HTTP.send("GET", replica.url + "/api/v1/flags/banner", headers: sdkAuth).0 == 401
            })
        }
    }

    @Test func theCommandLineBacksUpRestoresAndReadsTheStatusOfRemoteNodes() async throws {
        try await Cluster.with(replicas: 1) { cluster in
            #expect(await cluster.createFlags(20, prefix: "backup") == 0)
            #expect(await cluster.converged())
            let workspace = cluster.root + "/operator"
            try FileManager.default.createDirectory(atPath: workspace, withIntermediateDirectories: true)
            let config = """
            name = "operator"
            kv_namespaces = [ { binding = "TOKENS", id = "tokens" }, { binding = "FLAGS", id = "flags" } ]
            [storage]
            persist_to = "\(workspace)/restored"
            map_size_mb = 256
            """
            try config.write(toFile: workspace + "/wrangler-like.toml", atomically: true, encoding: .utf8)
            let secret = cluster.origin.secret
            func cli(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
                try await offPool { try EdgeworkerBinary.run(arguments, in: workspace) }
            }

            let backup = try await cli(["snapshot", "create", workspace + "/backup.mdb", "--from", cluster.origin.url,
                                        "--secret", secret])
            #expect(backup.status == 0, "\(backup.err)")
            let sequence = try await cluster.origin.status()["sequence"]?.doubleValue ?? -1
            #expect(backup.out.contains("sequence \(Int(sequence))"))
            #expect(try KVStore.inspectSnapshot(at: workspace + "/backup.mdb") == UInt64(sequence))
            #expect(try await cli(["snapshot", "create", workspace + "/nope.mdb", "--from", cluster.origin.url,
                                   "--secret", "wrong"]).status == 1)
            #expect(!FileManager.default.fileExists(atPath: workspace + "/nope.mdb"))

            let restored = try await cli(["snapshot", "restore", "--from", cluster.origin.url, "--secret", secret])
            #expect(restored.status == 0, "\(restored.err)")
            let store = try KVStore(directory: workspace + "/restored", namespaces: ["flags", "tokens"])
            let copy = try fullListing(of: store)
            store.close()
            #expect(copy == (try cluster.listings())[0])

            let following = try await cli(["replica", "status", cluster.replicas[0].url, "--secret", secret])
            #expect(following.status == 0)
            #expect(try JSONValue.parse(following.out)["state"] == "following")
            #expect(try await cli(["replica", "status", cluster.origin.url, "--secret", "wrong"]).status == 1)
            await cluster.origin.stop()
            #expect(await eventually { try await cluster.replicas[0].status()["state"] == "disconnected" })
            #expect(try await cli(["replica", "status", cluster.replicas[0].url, "--secret", secret]).status == 2)
            #expect(try await cli(["replica", "status", cluster.origin.url, "--secret", secret]).status == 1)
        }
    }

    @Test func aWrongReplicationSecretIs401AndTheReplicaSaysSo() async throws {
        try await Cluster.with(replicas: 0) { cluster in
            let (code, body) = try await HTTP.send("GET", cluster.origin.url + "/__edge/changes?since=0",
                                                   headers: ["Authorization": "Bearer not-the-secret"])
            #expect(code == 401)
            #expect(try JSONValue.parse(body)["code"] == "UNAUTHORIZED")
            let intruder = try EdgeNode(name: "intruder", root: cluster.root, replicaOf: cluster.origin.url, secret: "wrong")
            cluster.extraNodes.append(intruder)
            try await intruder.start()
            #expect(await eventually(timeout: 5) { try await intruder.status()["state"] == "unauthorized" })
            // It has no data, so it serves none.
            #expect(try await HTTP.send("GET", intruder.url + "/health").0 == 503)
            #expect(intruder.log().contains("refused REPLICATION_SECRET"))
        }
    }
}
