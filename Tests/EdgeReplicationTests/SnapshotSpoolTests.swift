@testable import EdgeReplication
import EdgeKV
import EdgeServer
import EdgeWorker
import Foundation
import NIOPosix
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// An origin's store with the replication endpoints, in a temporary directory removed after.
private final class Origin: @unchecked Sendable {
    let directory = NSTemporaryDirectory() + "edge-spool-\(UUID().uuidString)"
    let store: KVStore
    let worker: ReplicationWorker

    init(values: Int, valueBytes: Int, maxConcurrentSnapshots: Int = 2, sweepSeconds: Double = 60) async throws {
        var options = KVStoreOptions()
        options.mapSizeBytes = 256 << 20
        options.durable = false
        store = try KVStore(directory: directory + "/store", namespaces: ["flags"], options: options)
        worker = ReplicationWorker(store: store, secret: "s", maxConcurrentSnapshots: maxConcurrentSnapshots,
                                   spoolSweepSeconds: sweepSeconds)
        let value = [UInt8](repeating: 0x61, count: valueBytes)
        for i in 0..<values { try await store.namespace("flags")!.put("k\(i)", value) }
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var outgoing: String { store.directory + "/outgoing" }
    var spooled: [String] { (try? FileManager.default.contentsOfDirectory(atPath: outgoing)) ?? [] }

    func snapshot() async throws -> Response {
        try await worker.fetch(Request(method: "GET", target: "/__edge/snapshot", headers: ["Authorization": "Bearer s"]),
                               env: Env(), ctx: ExecutionContext(tracker: BackgroundWork()))
    }
}

/// Waits until `condition` holds, up to `timeout` seconds; returns whether it did.
private func eventually(timeout: Double = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while !condition() {
        if Date() > deadline { return false }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return true
}

/// Asks for a snapshot, reads the first chunk of its body, then lets the stream go, as a runner does
/// when its client goes away; returns whether a spool file existed and a chunk came.
private func abandonAfterFirstChunk(_ origin: Origin) async throws -> Bool {
    let response = try await origin.snapshot()
    guard response.status == 200, origin.spooled.count == 1, case .stream(let stream) = response.body else { return false }
    var iterator = stream.makeAsyncIterator()
    return await iterator.next() != nil
}

/// Spool files of `GET /__edge/snapshot` are a store's size each: none may outlive its download.
@Suite("Replication: snapshot spool", .serialized)
struct SnapshotSpoolTests {
    @Test func aDownloadAbandonedMidwayLeavesNoFile() async throws {
        let origin = try await Origin(values: 200, valueBytes: 4096)
        #expect(try await abandonAfterFirstChunk(origin))
        #expect(await eventually { origin.spooled.isEmpty }, "left: \(origin.spooled)")
    }

    @Test func aDownloadInterruptedByItsClientOverTheRunnerLeavesNoFile() async throws {
        // Larger than the loopback socket buffers, so the stream is still going when the client goes.
        let origin = try await Origin(values: 6000, valueBytes: 4096)
        var settings = ServerSettings()
        settings.port = 0
        settings.accessLog = "off"
        settings.shutdownGraceSeconds = 1
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = EdgeServer(worker: origin.worker, env: Env(), settings: settings, group: group)
        let port = try await server.start()

        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        // A small receive window: the server cannot hand the kernel even one 256 KB chunk, so its
        // stream is waiting on a write, not reading the file, when the client goes.
        var window: Int32 = 16384
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &window, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        #expect(connected == 0)
        let request = Array("GET /__edge/snapshot HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress!, request.count, Int32(MSG_NOSIGNAL)) }
        // The answer fills the client's receive buffer, unread: the snapshot is spooled and streaming.
        var first = [UInt8](repeating: 0, count: 16)
        let peeked = first.withUnsafeMutableBytes { recv(fd, $0.baseAddress, 16, Int32(MSG_PEEK)) }
        #expect(String(decoding: first[0..<max(0, peeked)], as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        #expect(await eventually {
            var queued: Int32 = 0
            _ = ioctl(fd, UInt(FIONREAD), &queued)
            return queued >= 16384
        })
        #expect(origin.spooled.count == 1)
        Glibc.close(fd)

        #expect(await eventually { origin.spooled.isEmpty }, "left: \(origin.spooled)")
        await server.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func downloadsOverTheLimitAre503WithRetryAfter() async throws {
        let origin = try await Origin(values: 10, valueBytes: 100, maxConcurrentSnapshots: 1)
        let first = try await origin.snapshot()
        #expect(first.status == 200)
        let second = try await origin.snapshot()
        #expect(second.status == 503)
        #expect(second.headers["Retry-After"] != nil)
        // The first download finished: room for another.
        if case .stream(let stream) = first.body { for await _ in stream {} }
        #expect(try await origin.snapshot().status == 200)
    }

    @Test func theSweepRemovesFilesNoDownloadHolds() async throws {
        let origin = try await Origin(values: 10, valueBytes: 100, sweepSeconds: 0.05)
        let live = try await origin.snapshot()
        let stray = origin.outgoing + "/snapshot-left-by-a-bug.mdb"
        FileManager.default.createFile(atPath: stray, contents: Data("x".utf8))
        #expect(await eventually { !FileManager.default.fileExists(atPath: stray) })
        // The file of the download under way is kept.
        #expect(origin.spooled.count == 1)
        withExtendedLifetime(live) {}
    }

    @Test func filesLeftByACrashAreRemovedAtStart() async throws {
        let origin = try await Origin(values: 1, valueBytes: 10)
        let stray = origin.outgoing + "/snapshot-crashed.mdb"
        FileManager.default.createFile(atPath: stray, contents: Data("x".utf8))
        _ = ReplicationWorker(store: origin.store, secret: "s")
        #expect(!FileManager.default.fileExists(atPath: stray))
    }
}
