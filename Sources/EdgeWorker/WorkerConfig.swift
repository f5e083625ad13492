import EdgeJSON
import Foundation
import TOMLKit

/// A KV binding of `kv_namespaces`: the name a worker uses and the namespace id in the store.
public struct KVNamespaceBinding: Sendable, Equatable {
    /// The name the worker uses (`env.kv["COUNTER"]`).
    public var binding: String
    /// The namespace's id in the store.
    public var id: String
    /// The id used instead with `--preview`.
    public var previewID: String?

    /// A binding as `kv_namespaces` declares one.
    public init(binding: String, id: String, previewID: String? = nil) {
        self.binding = binding
        self.id = id
        self.previewID = previewID
    }
}

/// `[server]`: what wrangler has no word for — where and how the runner listens.
public struct ServerSettings: Sendable, Equatable {
    /// The address to listen on.
    public var ip = "127.0.0.1"
    /// The port to listen on; 0 picks a free one.
    public var port = 8080
    /// Largest request body taken; a larger one gets 413.
    public var maxBodyBytes = 1 << 20
    /// Largest request head taken; a larger one gets 431.
    public var maxHeaderBytes = 16 * 1024
    /// Connections open at once; more are refused.
    public var maxConnections = 10_000
    /// Connections one client address may hold at once (a trusted proxy's are not counted): one
    /// address cannot take every connection. Browsers open six per host; 256 leaves room for a
    /// large office behind one NAT address.
    public var maxConnectionsPerClient = 256
    /// A connection that has not sent its first byte within this time is closed: an idle socket
    /// costs its opener nothing, so it must not cost the server the whole idle timeout.
    public var headerTimeoutSeconds = 5.0
    /// Answers written to a connection but not yet taken by its client, in bytes, above which the
    /// runner stops reading that connection's requests (resuming below half of it).
    public var maxUnsentBytes = 64 * 1024
    /// A keep-alive connection with no request for this long is closed.
    public var idleTimeoutSeconds = 60.0
    /// A request must arrive whole (head and body) within this time of its first byte.
    public var requestTimeoutSeconds = 10.0
    /// Peers whose `X-Forwarded-For` / `X-Forwarded-Proto` are believed.
    public var trustedProxies: [String] = []
    /// Access log level: `off`, `info` (one line per request), `debug`.
    public var accessLog = "info"
    /// How long shutdown waits for in-flight requests and `waitUntil` work.
    public var shutdownGraceSeconds = 10.0
    /// Event loops to run; 0 means one per CPU the process may use.
    public var eventLoopThreads = 0
    /// `host:port` of the Prometheus `/metrics` listener, a port of its own so that a PoP does not
    /// publish it; nil (the default) serves no metrics.
    public var metrics: String?

    /// The defaults, as with no section in the file.
    public init() {}
}

/// `[storage]`: the LMDB environment of this node.
public struct StorageSettings: Sendable, Equatable {
    /// The store's folder.
    public var persistTo = "kv-namespaces"
    /// LMDB's map size: the most the store may grow to, in MiB (sparse until used).
    public var mapSizeMB = 8192
    /// Whether each commit is flushed to disk before its writers resume.
    public var durable = true
    /// How often expired keys are swept.
    public var sweepIntervalSeconds = 5.0
    /// Change-log entries kept for replicas before the oldest go.
    public var changeLogMaxEntries = 1_000_000
    /// How long change-log entries are kept for replicas.
    public var changeLogMaxAgeSeconds = 7.0 * 24 * 3600

    /// The defaults, as with no section in the file.
    public init() {}
}

/// `[replication]`: whether this node follows an origin, and how.
public struct ReplicationSettings: Sendable, Equatable {
    /// The origin's base URL; set, this node is a read-only replica (`serve --replica-of` wins).
    public var replicaOf: String?
    /// How long one long poll of the origin's change feed may wait.
    public var pollWaitSeconds = 25.0
    /// Changes asked for per poll.
    public var pageSize = 1000

    /// The defaults, as with no section in the file.
    public init() {}
}

/// `[assets]`: a folder of static files served before the worker, like Workers' assets: a request
/// whose path names a file there gets that file; every other request goes to the worker.
public struct AssetsSettings: Sendable, Equatable {
    /// The folder, resolved against the config file's folder (as wrangler resolves it).
    public var directory: String

    /// - Parameter directory: the folder of files to serve.
    public init(directory: String) {
        self.directory = directory
    }
}

/// One entry of `routes`: requests matching `pattern` go to the registered worker named `worker`
/// rather than to `main` — several workers behind one runner, as Workers routes send a zone's
/// paths to different scripts.
public struct WorkerRoute: Sendable, Equatable {
    /// `"/api/*"` or `"example.com/api/*"`: an optional host (a leading `*` matches any prefix of
    /// it), then a path, exact or ending in `*` (any rest of the path).
    public var pattern: String
    /// The registered worker's name (as `main` names one).
    public var worker: String

    /// - Parameters:
    ///   - pattern: the host and path pattern.
    ///   - worker: the registered worker's name.
    public init(pattern: String, worker: String) {
        self.pattern = pattern
        self.worker = worker
    }

    /// Whether a request for `path` on `host` (the `Host` field, port and all) matches the pattern.
    public func matches(host: String?, path: Substring) -> Bool {
        var hostPattern: Substring = ""
        var pathPattern = Substring(pattern)
        if !pattern.hasPrefix("/") {
            let slash = pattern.firstIndex(of: "/") ?? pattern.endIndex
            hostPattern = pattern[..<slash]
            pathPattern = pattern[slash...]
        }
        if !hostPattern.isEmpty {
            let requestHost = (host ?? "").split(separator: ":", maxSplits: 1).first.map { $0.lowercased() } ?? ""
            if hostPattern.hasPrefix("*") {
                guard requestHost.hasSuffix(hostPattern.dropFirst().lowercased()) else { return false }
            } else if requestHost != hostPattern.lowercased() {
                return false
            }
        }
        if pathPattern.hasSuffix("*") { return path.hasPrefix(pathPattern.dropLast()) }
        return path == pathPattern
    }
}

/// `wrangler-like.toml`, resolved for one environment: the same schema as `wrangler.toml` where
/// the concept exists, plus `[server]` and `[storage]` for what wrangler has no word for.
public struct WorkerConfig: Sendable {
    /// `name`: the worker's name, for messages.
    public var name = "worker"
    /// `main`: the registered worker to serve.
    public var main = ""
    /// `compatibility_date`, kept for wrangler's schema; it changes nothing here.
    public var compatibilityDate: String?
    /// `[vars]`: strings or JSON values.
    public var vars: [String: JSONValue] = [:]
    /// `kv_namespaces`: the KV bindings.
    public var kvNamespaces: [KVNamespaceBinding] = []
    /// Names of process environment variables passed to the worker as secrets.
    public var secretNames: [String] = []
    /// Secrets resolved from `.dev.vars` and the process environment.
    public var secrets: [String: String] = [:]
    /// `[triggers] crons`.
    public var crons: [String] = []
    /// `[server]`.
    public var server = ServerSettings()
    /// `[storage]`.
    public var storage = StorageSettings()
    /// `[replication]`.
    public var replication = ReplicationSettings()
    /// `[assets]`, when the config has one.
    public var assets: AssetsSettings?
    /// `routes`: paths served by other registered workers than `main`.
    public var routes: [WorkerRoute] = []
    /// The `[env.NAME]` section applied, if any.
    public var environment: String?
    /// Whether `preview_id`s were used (`--preview`, as in wrangler).
    public var preview = false
    /// Keys present in the file that this runtime does not use.
    public var warnings: [String] = []
    /// The file read, for messages.
    public var path: String?

    /// An empty config: no worker, no bindings, every section at its defaults.
    public init() {}

    /// Namespace ids to open: the preview id of each binding in preview mode.
    public var namespaceIDs: [String: String] {
        var ids: [String: String] = [:]
        for b in kvNamespaces { ids[b.binding] = preview ? (b.previewID ?? b.id) : b.id }
        return ids
    }
}

/// A config file that cannot be used, with the place in the file where that is known.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    /// The file (`wrangler-like.toml`, `.dev.vars`).
    public var file: String
    /// The line, 1-based, when known.
    public var line: Int?
    /// The column, 1-based, when known.
    public var column: Int?
    /// What is wrong.
    public var message: String

    /// `file:line:column: message`.
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(message)"
    }
}
