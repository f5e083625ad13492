@testable import EdgeServer
import EdgeWorker
import Foundation
import Logging
import NIOPosix
import Testing

/// Log lines kept in memory, to count them.
final class CollectedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return messages }
    func add(_ message: String) { lock.lock(); messages.append(message); lock.unlock() }
}

struct CollectingLogHandler: LogHandler {
    let log: CollectedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        log.add("\(level) \(message) \(metadata.map { "\($0)" } ?? "")")
    }
}

@Suite("Runner: connection refusals are logged", .serialized)
struct RefusalLogTests {
    @Test func refusalsAreCountedAndLoggedAtMostOnceInTenSeconds() async throws {
        var settings = ServerSettings()
        settings.port = 0
        settings.accessLog = "off"
        settings.trustedProxies = []
        settings.maxConnectionsPerClient = 1
        let log = CollectedLog()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = EdgeServer(worker: ProbeWorker(finishedBackgroundWork: Flag()), env: Env(), settings: settings,
                                group: group, logger: Logger(label: "test") { _ in CollectingLogHandler(log: log) })
        let port = try await server.start()
        let held = try RawHTTPClient(port: port)
        #expect(await eventually { server.openConnections == 1 })
        for _ in 0..<3 {
            let refused = try RawHTTPClient(port: port)
            try refused.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await refused.readResponse()?.status == 503)
        }
        #expect(server.refusedConnections.perClient == 3)
        let lines = log.lines.filter { $0.contains("connection refused") }
        #expect(lines.count == 1, "\(lines)")
        #expect(lines.first?.contains("max_connections_per_client") == true)
        withExtendedLifetime(held) {}
        await server.shutdown()
        try await group.shutdownGracefully()
    }
}
