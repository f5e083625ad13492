import EdgeJSON
import EdgeKV
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// Runs blocking work (waiting for a process or a pipe) on a Dispatch thread, so that it never holds
/// one of the few threads of Swift's cooperative pool, which every other suite's tests run on.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// A free TCP port on loopback (bound, read, released: the caller binds it next).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// One `edgeworker serve` process of a test cluster: its own workspace, store, fixed port (so a
/// restart comes back where its replicas look for it) and log file (stdout and stderr).
final class EdgeNode: @unchecked Sendable {
    let name: String
    let directory: String
    let port: Int
    let replicaOf: String?
    let secret: String
    private(set) var process: Process?
    /// The process of the latest start, running or not.
    private(set) var lastProcess: Process?

    /// Every node serves `/metrics` on a port of its own.
    let metricsPort: Int

    var url: String { "http://127.0.0.1:\(port)" }
    var metricsURL: String { "http://127.0.0.1:\(metricsPort)/metrics" }
    var storePath: String { directory + "/store" }
    var logPath: String { directory + "/\(name).log" }

    init(name: String, root: String, replicaOf: String? = nil, secret: String = "cluster-secret",
         extraConfig: String = "", accessLog: String = "off") throws {
        self.name = name
        directory = root + "/" + name
        port = freePort()
        metricsPort = freePort()
        self.replicaOf = replicaOf
        self.secret = secret
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
        name = "\(name)"
        main = "FlagsWorker"
        secrets = ["REPLICATION_SECRET"]
        kv_namespaces = [
          { binding = "TOKENS", id = "tokens" },
          { binding = "FLAGS", id = "flags" },
        ]

        [vars]
        ENVIRONMENT = "cluster"
        RATE_LIMIT_MANAGEMENT_PER_MINUTE = "1000000"
        # A registration hashes its password: at the production scrypt cost, seconds in a debug build.
        PASSWORD_SCRYPT_N = "16384"

        [server]
        port = \(port)
        access_log = "\(accessLog)"
        trusted_proxies = ["127.0.0.1"]
        shutdown_grace_seconds = 2

        [storage]
        persist_to = "\(directory)/store"
        map_size_mb = 512
        sweep_interval_seconds = 1
        \(extraConfig)
        """
        try config.write(toFile: directory + "/wrangler-like.toml", atomically: true, encoding: .utf8)
    }

    /// Starts the node and waits for its "listening" line.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: EdgeworkerBinary.path)
        process.arguments = ["serve", "--metrics", "127.0.0.1:\(metricsPort)"] + (replicaOf.map { ["--replica-of", $0] } ?? [])
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["REPLICATION_SECRET"] = secret
        process.environment = environment
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        output.seekToEndOfFile()
        process.standardOutput = output
        process.standardError = output
        let offset = log().utf8.count  // a restart appends to the same log: look past what is there
        try process.run()
        self.process = process
        lastProcess = process
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if String(decoding: log().utf8.dropFirst(offset), as: UTF8.self)
                .contains("edgeworker listening on http://127.0.0.1:\(port)") { return }
            guard process.isRunning else { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw EdgeworkerBinary.Failure(description: "\(name) did not start: \(log())")
    }

    func log() -> String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// SIGTERM, and wait for a graceful exit; one that takes longer than `grace` seconds is killed
    /// and recorded as an issue: a node that cannot stop is a bug.
    func stop(grace: Double = 10) async {
        guard let process else { return }
        self.process = nil
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < deadline { try? await Task.sleep(nanoseconds: 20_000_000) }
        if process.isRunning {
            Issue.record("\(name) did not stop within \(grace) s of SIGTERM:\n\(log().suffix(2000))")
            Glibc.kill(process.processIdentifier, SIGKILL)
        }
        _ = try? await offPool { process.waitUntilExit() }
    }

    /// SIGKILL: no shutdown at all.
    func kill() async {
        guard let process else { return }
        self.process = nil
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        _ = try? await offPool { process.waitUntilExit() }
    }

    /// For `defer`, where nothing can be awaited: SIGTERM without waiting (the node exits by itself
    /// within its shutdown grace; its directory may go before that).
    func terminate() {
        guard let process else { return }
        self.process = nil
        if process.isRunning { process.terminate() }
    }

    /// `GET /__edge/status` with the cluster's secret.
    func status() async throws -> JSONValue {
        let (code, body) = try await HTTP.send("GET", url + "/__edge/status", headers: ["Authorization": "Bearer \(secret)"])
        guard code == 200 else { throw EdgeworkerBinary.Failure(description: "\(name) status answered \(code)") }
        return try JSONValue.parse(body)
    }

    /// Opens this node's store in the test process (LMDB allows it beside the server) to read it.
    func openStore() throws -> KVStore {
        var options = KVStoreOptions()
        options.mapSizeBytes = 512 << 20
        options.sweepIntervalSeconds = 3600
        return try KVStore(directory: storePath, namespaces: ["flags", "tokens"], options: options)
    }
}

/// The nodes a test starts, stopped (gracefully, or it is an issue) whatever the test does.
final class NodeSet: @unchecked Sendable {
    private(set) var nodes: [EdgeNode] = []
    let root = NSTemporaryDirectory() + "edgeworker-nodes-\(UUID().uuidString)"
    private var cleanups: [() -> Void] = []

    func node(_ name: String, replicaOf: String? = nil, accessLog: String = "off") throws -> EdgeNode {
        let node = try EdgeNode(name: name, root: root, replicaOf: replicaOf, accessLog: accessLog)
        nodes.append(node)
        return node
    }

    /// Something else to stop at the end (nginx).
    func onStop(_ cleanup: @escaping () -> Void) { cleanups.append(cleanup) }

    static func with(_ body: (NodeSet) async throws -> Void) async throws {
        let set = NodeSet()
        do {
            try await body(set)
        } catch {
            await set.stopAll()
            throw error
        }
        await set.stopAll()
    }

    private func stopAll() async {
        for cleanup in cleanups { cleanup() }
        for node in nodes.reversed() { await node.stop() }
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Every live key of every namespace with its value, expiration and metadata: "the same contents".
func fullListing(of store: KVStore) throws -> [String: [String: String]] {
    var out: [String: [String: String]] = [:]
    for id in store.namespaceIDs {
        guard let ns = store.namespace(id) else { continue }
        var entries: [String: String] = [:]
        var cursor: String?
        repeat {
            let page = try ns.list(limit: 1000, cursor: cursor)
            for key in page.keys {
                let found = try ns.getWithMetadata(key.name, type: .arrayBuffer)
                entries[key.name] = "\(found?.value.bytes ?? []) exp=\(key.expiration ?? 0) meta=\(found?.metadata?.jsonString ?? "-")"
            }
            cursor = page.listComplete ? nil : page.cursor
        } while cursor != nil
        out[id] = entries
    }
    return out
}

/// HTTP for tests that need many requests quickly (URLSession, keep-alive).
enum HTTP {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 15
        configuration.httpMaximumConnectionsPerHost = 16
        return URLSession(configuration: configuration)
    }()

    static func send(_ method: String, _ url: String, headers: [String: String] = [:], body: String? = nil)
        async throws -> (Int, [UInt8])
    {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let body {
            request.httpBody = Data(body.utf8)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        do {
            let (data, response) = try await session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, [UInt8](data))
        } catch let error as URLError where error.code == .networkConnectionLost {
            // A kept-alive connection to a node that restarted: what any client does, once.
            let (data, response) = try await session.data(for: request)
            return ((response as? HTTPURLResponse)?.statusCode ?? 0, [UInt8](data))
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `timeout` seconds pass; returns whether it held.
func eventually(timeout: Double = 10, _ condition: () async throws -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(nanoseconds: 20_000_000)
    }
    return (try? await condition()) == true
}
