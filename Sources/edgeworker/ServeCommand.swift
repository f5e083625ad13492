import ArgumentParser
import Dispatch
import EdgeKV
import EdgeServer
import EdgeWorker
import Foundation
import Logging
import NIOPosix

/// `edgeworker serve`: run the configured worker on the local store.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the worker named by `main` in the config over HTTP.",
        discussion: "Stops gracefully on SIGTERM or SIGINT: no new connections, in-flight requests finish, waitUntil work drains, the store closes.")

    @OptionGroup var store: StoreOptions
    @Option(help: "Address to listen on (default 127.0.0.1).") var ip: String?
    @Option(help: "Port to listen on (default 8080; 0 picks a free one).") var port: Int?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel = "info"
    @Option(name: .customLong("access-log"), help: "off, info or debug (default: [server] access_log).")
    var accessLog: String?

    func run() async throws {
        var config = try store.loadConfig()
        if let ip { config.server.ip = ip }
        if let port { config.server.port = port }
        if let accessLog { config.server.accessLog = accessLog }
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "edgeworker")
        let mainName = config.main.isEmpty ? "HealthWorker" : config.main
        guard let worker = WorkerRegistry.workers[mainName] else {
            let known = WorkerRegistry.workers.keys.sorted().joined(separator: ", ")
            throw CommandFailure("✘ main = \"\(mainName)\" is not a worker this binary has (available: \(known)).")
        }

        let kv = try store.openStore(config)
        let env = store.makeEnv(config, kv)
        do {
            try await worker.prepare(env: env)
        } catch {
            kv.close()
            throw CommandFailure("✘ \(mainName) could not prepare the store: \(error)")
        }

        let server = EdgeServer(worker: worker, env: env, settings: config.server,
                                group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        let boundPort: Int
        do {
            boundPort = try await server.start()
        } catch {
            kv.close()
            throw CommandFailure("✘ cannot listen on \(config.server.ip):\(config.server.port): \(error)")
        }
        let cron = try CronRunner(crons: config.crons, worker: worker, env: env, background: server.background, logger: logger)
        // One line on stdout that scripts and tests wait for.
        AckPrinter.print("edgeworker listening on http://\(config.server.ip):\(boundPort) (worker \(mainName), store \(config.storage.persistTo), sequence \(kv.sequence))")

        let signal = await SignalWaiter.wait(for: [SIGTERM, SIGINT])
        logger.notice("received \(signal == SIGTERM ? "SIGTERM" : "SIGINT"), shutting down")
        cron.stop()
        await server.shutdown()
        kv.close()
        logger.notice("stopped")
    }
}

/// Waits for the first of some signals, which no longer kill the process by default.
enum SignalWaiter {
    static func wait(for signals: [Int32]) async -> Int32 {
        await withCheckedContinuation { continuation in
            let queue = DispatchQueue(label: "edgeworker.signals")
            let resumed = SignalBox(continuation)
            for number in signals {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler { resumed.resume(number) }
                source.resume()
                resumed.keep(source)
            }
        }
    }

    private final class SignalBox: @unchecked Sendable {
        private var continuation: CheckedContinuation<Int32, Never>?
        private var sources: [any DispatchSourceSignal] = []
        init(_ continuation: CheckedContinuation<Int32, Never>) { self.continuation = continuation }
        func keep(_ source: any DispatchSourceSignal) { sources.append(source) }
        func resume(_ number: Int32) {
            continuation?.resume(returning: number)
            continuation = nil
        }
    }
}
