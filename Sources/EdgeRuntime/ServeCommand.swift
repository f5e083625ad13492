import ArgumentParser
import Dispatch
import EdgeKV
import EdgeReplication
import EdgeServer
import EdgeWorker
import Foundation
import Logging
import NIOPosix

/// `serve`: run the configured worker on the local store.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve the worker named by `main` in the config over HTTP.",
        discussion: "Stops gracefully on SIGTERM or SIGINT: no new connections, in-flight requests finish, waitUntil work drains, the store closes.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to listen on (default 127.0.0.1).") var ip: String?
    @Option(help: "Port to listen on (default 8080; 0 picks a free one).") var port: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"
    @Option(name: .customLong("access-log"), help: "off, info or debug (default: [server] access_log).")
    var accessLog: String?
    @Option(name: .customLong("replica-of"),
            help: "Serve as a read-only replica of the origin at URL (default: [replication] replica_of).")
    var replicaOf: String?
    @Option(help: "host:port of the Prometheus /metrics listener (default: [server] metrics; none).")
    var metrics: String?

    func run() async throws {
        var config = try store.loadConfig()
        if let ip { config.server.ip = ip }
        if let port { config.server.port = port }
        if let accessLog { config.server.accessLog = accessLog }
        if let replicaOf { config.replication.replicaOf = replicaOf }
        if let metrics { config.server.metrics = metrics }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "edgeworker")
        // Before the store and the worker make their metrics, or they would count nowhere.
        if config.server.metrics != nil { PrometheusExport.bootstrap(version: WorkerRegistry.runtime.version) }
        let mainName = config.main.isEmpty ? "HealthWorker" : config.main
        let worker = try application(config, main: mainName)

        let secret = config.secrets["REPLICATION_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        var client: OriginClient?
        if let origin = config.replication.replicaOf {
            guard let secret else {
                throw OperatorError("✘ a replica needs the REPLICATION_SECRET secret (the origin's), from the environment or .dev.vars")
            }
            do {
                client = try OriginClient(origin: origin, secret: secret, longestWait: config.replication.pollWaitSeconds)
            } catch {
                throw OperatorError("✘ --replica-of: \(error)")
            }
        }
        let kv = try store.openStore(config, role: client.map { .replica(of: $0.origin) } ?? .origin)
        if let former = kv.promotedFrom {
            logger.notice("this store was a replica of \(former); it is served as an origin now (promoted)")
        }
        var env = store.makeEnv(config, kv)
        env.fetch = OutboundFetcher.fetch
        var follower: ReplicaFollower?
        if let client {
            var settings = ReplicaFollower.Settings()
            settings.waitSeconds = config.replication.pollWaitSeconds
            settings.pageSize = config.replication.pageSize
            follower = ReplicaFollower(store: kv, client: client, settings: settings, logger: logger)
        }
        let replication = ReplicationWorker(store: kv, secret: secret, follower: follower)
        let mounted = ReplicationMount(replication, application: worker)
        do {
            try await mounted.prepare(env: env)
        } catch {
            kv.close()
            throw OperatorError("✘ \(mainName) could not prepare the store: \(error)")
        }

        let server = EdgeServer(worker: mounted, env: env, settings: config.server,
                                group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let boundPort: Int
        do {
            boundPort = try await server.start()
        } catch {
            kv.close()
            throw OperatorError("✘ cannot listen on \(config.server.ip):\(config.server.port): \(error)")
        }
        let cron = try CronRunner(crons: config.crons, worker: mounted, env: env, background: server.background, logger: logger)
        follower?.start()
        let role = kv.replicaOf.map { "replica of \($0)" } ?? "origin"
        // Start-up is over: the loader's relocation tables need not stay resident.
        StartupPages.release()
        // One line on stdout that scripts and tests wait for.
        AckPrinter.print("\(WorkerRegistry.runtime.name) listening on http://\(config.server.ip):\(boundPort) (worker \(mainName), \(role), store \(config.storage.persistTo), sequence \(kv.sequence))")

        let signal = await SignalWaiter.wait(for: [SIGTERM, SIGINT])
        logger.notice("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"), shutting down")
        cron.stop()
        await follower?.stop()
        replication.releaseWaiters()
        await server.shutdown()
        kv.close()
        logger.notice("stopped")
    }

    /// What the config asks to serve: `main`, other workers on their `routes`, and `[assets]` in front.
    func application(_ config: WorkerConfig, main mainName: String) throws -> any Worker {
        var worker = try WorkerRegistry.worker(named: mainName)
        if !config.routes.isEmpty {
            worker = try RoutedWorkers(main: worker, routes: config.routes, lookup: WorkerRegistry.worker(named:))
        }
        if let assets = config.assets {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: assets.directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw OperatorError("✘ [assets] directory \(assets.directory) is not a folder")
            }
            worker = StaticAssets(directory: assets.directory, worker: worker)
        }
        return worker
    }
}

/// The shutdown signals of `serve`, caught by a handler installed at the start of `main` that
/// writes each signal's number to a pipe, which `wait` reads.
enum SignalWaiter {
    /// The pipe's write end; set once, before the handler can run, and only read by it.
    nonisolated(unsafe) private static var writeEnd: Int32 = -1
    nonisolated(unsafe) private static var readEnd: Int32 = -1

    static func install(_ signals: [Int32]) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        readEnd = fds[0]
        writeEnd = fds[1]
        for number in signals {
            var action = sigaction()
            // Only async-signal-safe work here: one write(2) of one byte.
            action.__sigaction_handler.sa_handler = { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(SignalWaiter.writeEnd, &byte, 1)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(number, &action, nil)
        }
    }

    /// Returns the first signal caught since `install` (one caught before this call returns at once).
    static func wait(for signals: [Int32]) async -> Int32 {
        let fd = readEnd
        return await withCheckedContinuation { continuation in
            let thread = Thread {
                var byte: UInt8 = 0
                while true {
                    let n = read(fd, &byte, 1)
                    if n == 1 { break }
                    if n < 0 && errno == EINTR { continue }
                    byte = UInt8(truncatingIfNeeded: SIGTERM)  // the pipe is gone: stop as if asked
                    break
                }
                continuation.resume(returning: Int32(byte))
            }
            thread.name = "edgeworker-signals"
            thread.start()
        }
    }
}
