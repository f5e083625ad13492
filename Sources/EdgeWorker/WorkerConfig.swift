import EdgeJSON
import Foundation
import TOMLKit

/// A KV binding of `kv_namespaces`: the name a worker uses and the namespace id in the store.
public struct KVNamespaceBinding: Sendable, Equatable {
    public var binding: String
    public var id: String
    public var previewID: String?

    public init(binding: String, id: String, previewID: String? = nil) {
        self.binding = binding
        self.id = id
        self.previewID = previewID
    }
}

/// `[server]`: what wrangler has no word for — where and how the runner listens.
public struct ServerSettings: Sendable, Equatable {
    public var ip = "127.0.0.1"
    public var port = 8080
    public var maxBodyBytes = 1 << 20
    public var maxHeaderBytes = 16 * 1024
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
    public var eventLoopThreads = 0
    /// `host:port` of the Prometheus `/metrics` listener, a port of its own so that a PoP does not
    /// publish it; nil (the default) serves no metrics.
    public var metrics: String?

    public init() {}
}

/// `[storage]`: the LMDB environment of this node.
public struct StorageSettings: Sendable, Equatable {
    public var persistTo = "kv-namespaces"
    public var mapSizeMB = 8192
    public var durable = true
    public var sweepIntervalSeconds = 5.0
    public var changeLogMaxEntries = 1_000_000
    public var changeLogMaxAgeSeconds = 7.0 * 24 * 3600

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

    public init() {}
}

/// `wrangler-like.toml`, resolved for one environment: the same schema as `wrangler.toml` where
/// the concept exists, plus `[server]` and `[storage]` for what wrangler has no word for.
public struct WorkerConfig: Sendable {
    public var name = "worker"
    public var main = ""
    public var compatibilityDate: String?
    public var vars: [String: JSONValue] = [:]
    public var kvNamespaces: [KVNamespaceBinding] = []
    /// Names of process environment variables passed to the worker as secrets.
    public var secretNames: [String] = []
    /// Secrets resolved from `.dev.vars` and the process environment.
    public var secrets: [String: String] = [:]
    /// `[triggers] crons`.
    public var crons: [String] = []
    public var server = ServerSettings()
    public var storage = StorageSettings()
    public var replication = ReplicationSettings()
    /// The `[env.NAME]` section applied, if any.
    public var environment: String?
    /// Whether `preview_id`s were used (`--preview`, as in wrangler).
    public var preview = false
    /// Keys present in the file that this runtime does not use.
    public var warnings: [String] = []
    /// The file read, for messages.
    public var path: String?

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
    public var file: String
    public var line: Int?
    public var column: Int?
    public var message: String

    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        if let column { place += ":\(column)" }
        return "\(place): \(message)"
    }
}
