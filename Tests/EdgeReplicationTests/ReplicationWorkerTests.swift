@testable import EdgeReplication
import Crypto
import EdgeJSON
import EdgeKV
import EdgeWorker
import Foundation
import Testing

/// A store with the replication endpoints over it, called in-process.
private final class Node: @unchecked Sendable {
    let directory = NSTemporaryDirectory() + "edge-replication-\(UUID().uuidString)"
    let store: KVStore
    let worker: ReplicationWorker
    let env: Env

    init(secret: String? = "s3cret", changeLogMaxEntries: Int = 1_000_000) throws {
        var options = KVStoreOptions()
        options.mapSizeBytes = 64 << 20
        options.durable = false
        options.changeLogMaxEntries = changeLogMaxEntries
        store = try KVStore(directory: directory + "/store", namespaces: ["flags", "tokens"], options: options)
        worker = ReplicationWorker(store: store, secret: secret)
        env = Env(kv: ["FLAGS": store.namespace("flags")!, "TOKENS": store.namespace("tokens")!])
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var flags: KVNamespace { store.namespace("flags")! }

    func get(_ target: String, secret: String? = "s3cret", method: String = "GET") async throws -> Response {
        var headers = Headers()
        if let secret { headers["Authorization"] = "Bearer \(secret)" }
        return try await worker.fetch(Request(method: method, target: target, headers: headers), env: env,
                                      ctx: ExecutionContext(tracker: BackgroundWork()))
    }
}

private func body(_ response: Response) async -> [UInt8] {
    switch response.body {
    case .bytes(let bytes): return bytes
    case .stream(let stream):
        var out: [UInt8] = []
        for await chunk in stream { out += chunk }
        return out
    case .webSocket: return []
    }
}

private func json(_ response: Response) async throws -> JSONValue { try JSONValue.parse(await body(response)) }

@Suite("Replication endpoints")
struct ReplicationWorkerTests {
    @Test func everyEndpointNeedsTheSharedSecret() async throws {
        let node = try Node()
        for path in ["/__edge/status", "/__edge/changes?since=0", "/__edge/snapshot"] {
            let missing = try await node.get(path, secret: nil)
            #expect(missing.status == 401)
            #expect(try await json(missing)["code"] == "UNAUTHORIZED")
            #expect(try await node.get(path, secret: "s3cre").status == 401)
            #expect(try await node.get(path, secret: "s3cret-and-more").status == 401)
        }
        #expect(try await node.get("/__edge/status").status == 200)
    }

    @Test func withoutASecretTheEndpointsDoNotExist() async throws {
        let node = try Node(secret: nil)
        let response = try await node.get("/__edge/status")
        #expect(response.status == 404)
        #expect(try await json(response)["error"]?.stringValue?.contains("REPLICATION_SECRET") == true)
    }

    @Test func unknownEndpointsAre404AndOtherMethods405() async throws {
        let node = try Node()
        #expect(try await node.get("/__edge/nothing").status == 404)
        let post = try await node.get("/__edge/changes?since=0", method: "POST")
        #expect(post.status == 405)
        #expect(post.headers["Allow"] == "GET")
    }

    @Test func sinceMustBeASequenceNumber() async throws {
        let node = try Node()
        for target in ["/__edge/changes", "/__edge/changes?since=-1", "/__edge/changes?since=abc", "/__edge/changes?since=1e3"] {
            let response = try await node.get(target)
            #expect(response.status == 400, "\(target)")
            #expect(try await json(response)["code"] == "VALIDATION_ERROR")
        }
    }

    @Test func theFeedCarriesEveryChangeExactlyAsStored() async throws {
        let node = try Node()
        try await node.flags.put("bin\u{1}ary", [0, 255, 10, 13], options: KVPutOptions(metadata: ["m": 1]))
        try await node.flags.put("b", "2", options: KVPutOptions(expirationTTL: 3600))
        try await node.flags.delete("b")
        let response = try await node.get("/__edge/changes?since=0&limit=2")
        #expect(response.status == 200)
        #expect(response.headers["Cache-Control"] == "no-store")
        let page = try ChangeFeedFormat.decode(await body(response))
        #expect(page.latest == 3)
        #expect(page.changes == Array(try node.store.changes(after: 0).changes.prefix(2)))
        let rest = try ChangeFeedFormat.decode(await body(try await node.get("/__edge/changes?since=2")))
        #expect(rest.changes.map(\.operation) == [.delete])
    }

    @Test func aTrimmedSequenceAnswers410() async throws {
        let node = try Node(changeLogMaxEntries: 5)
        for i in 0..<20 { try await node.flags.put("k\(i)", "v") }
        let response = try await node.get("/__edge/changes?since=1")
        #expect(response.status == 410)
        #expect(try await json(response)["code"] == "GONE")
    }

    @Test func aLongPollAnswersAsSoonAsSomethingIsCommitted() async throws {
        let node = try Node()
        try await node.flags.put("first", "1")
        let started = Date()
        let answer = Task { try await node.get("/__edge/changes?since=1&wait=10") }
        // The put must come while the poll waits, not before it looked: wait until it is waiting.
        let deadline = Date().addingTimeInterval(10)
        while node.worker.commits.waiting == 0 && Date() < deadline { try await Task.sleep(nanoseconds: 5_000_000) }
        #expect(node.worker.commits.waiting == 1, "the long poll never waited")
        try await node.flags.put("second", "2")
        let page = try ChangeFeedFormat.decode(await body(try await answer.value))
        #expect(page.changes.map { String(decoding: $0.key, as: UTF8.self) } == ["second"])
        #expect(Date().timeIntervalSince(started) < 5)
    }

    @Test func aLongPollWithNothingNewEndsEmptyAfterItsWait() async throws {
        let node = try Node()
        try await node.flags.put("only", "1")
        let started = Date()
        let page = try ChangeFeedFormat.decode(await body(try await node.get("/__edge/changes?since=1&wait=1")))
        let elapsed = Date().timeIntervalSince(started)
        #expect(page.changes.isEmpty)
        #expect(page.latest == 1)
        #expect(elapsed >= 0.9 && elapsed < 5)
    }

    @Test func theSnapshotStreamsWithItsSequenceSizeAndChecksum() async throws {
        let node = try Node()
        for i in 0..<500 { try await node.flags.put("flag-\(i)", String(repeating: "x", count: 200)) }
        let response = try await node.get("/__edge/snapshot")
        #expect(response.status == 200)
        guard case .stream = response.body else {
            Issue.record("the snapshot is not streamed")
            return
        }
        let bytes = await body(response)
        #expect(response.headers["X-Edge-Snapshot-Sequence"] == "500")
        #expect(response.headers["X-Edge-Snapshot-Format"] == "1")
        #expect(response.headers["X-Edge-Snapshot-Bytes"] == String(bytes.count))
        let digest = SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
        #expect(response.headers["X-Edge-Snapshot-SHA256"] == digest)
        // The spool file is gone once the stream is read.
        let spool = node.store.directory + "/outgoing"
        #expect(try FileManager.default.contentsOfDirectory(atPath: spool).isEmpty)
    }

    @Test func statusOfAnOriginSaysSoWithItsSequence() async throws {
        let node = try Node()
        try await node.flags.put("a", "1")
        let status = try await json(try await node.get("/__edge/status"))
        #expect(status["role"] == "origin")
        #expect(status["sequence"]?.doubleValue == 1)
        #expect(status["keys"]?["flags"]?.doubleValue == 1)
    }
}

@Suite("The change-feed wire format")
struct ChangeFeedFormatTests {
    @Test func binaryKeysAndRecordsRoundTrip() throws {
        let page = KVChangePage(changes: [
            KVChange(sequence: 7, timestampMillis: 1_768_473_000_123, operation: .put, namespace: "flags",
                     key: [0xFF, 0x00, 0x41], record: Array(0...255)),
            KVChange(sequence: 8, timestampMillis: 1_768_473_000_124, operation: .expire, namespace: "tokens",
                     key: Array("é".utf8), record: []),
        ], latest: 9)
        #expect(try ChangeFeedFormat.decode(ChangeFeedFormat.encode(page)) == page)
    }

    @Test func pagesOutOfOrderOrMalformedAreRefused() {
        let change = #"{"sequence":S,"timestamp_ms":1,"op":"put","namespace":"flags","key":"YQ==","record":""}"#
        let outOfOrder = #"{"latest":9,"changes":[\#(change.replacingOccurrences(of: "S", with: "5")),\#(change.replacingOccurrences(of: "S", with: "4"))]}"#
        #expect(throws: OriginError.self) { try ChangeFeedFormat.decode(Array(outOfOrder.utf8)) }
        for bad in [#"{}"#, #"{"latest":1,"changes":[{"sequence":1}]}"#, "not json",
                    #"{"latest":1,"changes":[{"sequence":1,"timestamp_ms":1,"op":"rename","namespace":"f","key":"","record":""}]}"#] {
            #expect(throws: OriginError.self) { try ChangeFeedFormat.decode(Array(bad.utf8)) }
        }
    }
}

@Suite("Replica gate")
struct ReplicationMountTests {
    struct Application: Worker {
        func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response { .text("app") }
    }

    @Test func aReplicaWithoutDataAnswers503UntilItsFirstSnapshot() async throws {
        let (store, directory) = try makeReplicaStore(of: "http://127.0.0.1:9")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        defer { store.close() }
        let follower = ReplicaFollower(store: store, client: try OriginClient(origin: "http://127.0.0.1:9", secret: "s"),
                                       logger: .init(label: "test"))
        let mount = ReplicationMount(ReplicationWorker(store: store, secret: "s", follower: follower), application: Application())
        let ctx = ExecutionContext(tracker: BackgroundWork())
        let gated = try await mount.fetch(Request(method: "GET", target: "/health"), env: Env(), ctx: ctx)
        #expect(gated.status == 503)
        #expect(gated.headers["Retry-After"] == "1")
        #expect(try await json(gated)["code"] == "REPLICA_NOT_READY")
        let status = try await mount.fetch(Request(method: "GET", target: "/__edge/status", headers: ["Authorization": "Bearer s"]),
                                           env: Env(), ctx: ctx)
        #expect(status.status == 200)
        #expect(try await json(status)["role"] == "replica")
        #expect(try await json(status)["applied_sequence"] == .null)
    }
}

@Suite("Replication delay percentiles")
struct DelaySamplesTests {
    @Test func nearestRankOverTheMostRecentSamples() {
        var samples = DelaySamples()
        #expect(samples.percentiles() == nil)
        for i in 1...100 { samples.add(Int64(i)) }
        let p = try! #require(samples.percentiles())
        #expect(p.count == 100)
        #expect(p.p50 == 50)
        #expect(p.p99 == 99)
        #expect(p.max == 100)
        // Older samples fall out of the ring.
        for _ in 0..<DelaySamples.capacity { samples.add(5) }
        #expect(samples.percentiles()?.max == 5)
        #expect(samples.total == 100 + DelaySamples.capacity)
    }
}
