@testable import EdgeReplication
import EdgeKV
import EdgeServer
import EdgeWorker
import Foundation
import NIOPosix
import Testing

@Suite("Replica follower: stopping")
struct FollowerStopTests {
    /// A follower stopped at any moment of its start — while downloading the snapshot, as its first
    /// poll goes out, while it long-polls — stops at once: `serve` waits for it on SIGTERM, so a
    /// stop that missed a request in flight would keep a replica from exiting.
    @Test func aFollowerStoppedAtAnyMomentStopsPromptly() async throws {
        let root = NSTemporaryDirectory() + "edge-stop-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = KVStoreOptions()
        options.mapSizeBytes = 64 << 20
        options.durable = false
        let origin = try KVStore(directory: root + "/origin", namespaces: ["flags"], options: options)
        defer { origin.close() }
        try await origin.namespace("flags")!.put("k", Array("v".utf8))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        var serverSettings = ServerSettings()
        serverSettings.port = 0
        serverSettings.accessLog = "off"
        serverSettings.shutdownGraceSeconds = 1
        let server = EdgeServer(worker: ReplicationWorker(store: origin, secret: "s"), env: Env(), settings: serverSettings,
                                group: group)
        let port = try await server.start()

        var slowest = 0.0
        for attempt in 0..<24 {
            let (store, directory) = try makeReplicaStore(of: "http://127.0.0.1:\(port)", durable: false)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            var settings = ReplicaFollower.Settings()
            settings.waitSeconds = 25
            let follower = ReplicaFollower(store: store, client: try OriginClient(origin: "http://127.0.0.1:\(port)", secret: "s"),
                                           settings: settings, logger: .init(label: "test"))
            follower.start()
            // From at once to well into the long poll, by 4 ms steps.
            try await Task.sleep(nanoseconds: UInt64(attempt) * 4_000_000)
            let started = Date()
            let stopped = Stopped()
            Task { await follower.stop(); stopped.set() }
            while !stopped.isSet && Date().timeIntervalSince(started) < 10 { try await Task.sleep(nanoseconds: 5_000_000) }
            let took = Date().timeIntervalSince(started)
            #expect(stopped.isSet, "attempt \(attempt): stop did not return within 10 s")
            slowest = max(slowest, took)
            if stopped.isSet { store.close() }
        }
        #expect(slowest < 5, "slowest stop: \(slowest) s")
        await server.shutdown()
        try await group.shutdownGracefully()
    }
}

private final class Stopped: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.lock(); value = true; lock.unlock() }
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
}
