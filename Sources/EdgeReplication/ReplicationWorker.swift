import Crypto
import EdgeJSON
import EdgeKV
import EdgeWorker
import Foundation

/// The replication endpoints, a Worker that `ReplicationMount` serves under `/__edge/` on every node:
///
/// - `GET /__edge/snapshot`: a consistent compacted copy of the whole store, streamed from a spool
///   file (never held in memory), with its sequence, format version, size and SHA-256 in
///   `X-Edge-Snapshot-Sequence`, `-Format`, `-Bytes` and `-SHA256`, and the store's history in
///   `X-Edge-History` (also inside the file);
/// - `GET /__edge/changes?since=SEQ&wait=SECONDS&limit=N&history=H`: the mutations after SEQ in
///   order, long-polling up to `wait` (≤ 30) seconds when there are none; 410 when SEQ is outside
///   the retained log, or when H (the history the caller's snapshot came from) is not the store's
///   (it was restored from a backup since);
/// - `GET /__edge/status`: role, sequence, history and, on a replica, its origin, applied sequence
///   and lag.
///
/// Every call needs `Authorization: Bearer <REPLICATION_SECRET>`; on a node without a secret the
/// endpoints answer 404. At most `maxConcurrentSnapshots` snapshots are spooled or streamed at once
/// (each is a file the store's size): one more is answered 503 with `Retry-After`.
public struct ReplicationWorker: Worker {
    let store: KVStore
    let secret: String?
    let follower: ReplicaFollower?
    let commits: CommitSignal
    let spool: SnapshotSpool
    let maxConcurrentSnapshots: Int

    /// Snapshots spooled or streamed at once, by default: a replica needs one when it starts or
    /// falls behind the change log, so more at once means a fleet restarting together.
    public static let defaultMaxConcurrentSnapshots = 2

    /// `spoolSweepSeconds`: how often files of `outgoing/` that no download holds are removed.
    public init(store: KVStore, secret: String?, follower: ReplicaFollower? = nil,
                maxConcurrentSnapshots: Int = ReplicationWorker.defaultMaxConcurrentSnapshots,
                spoolSweepSeconds: Double = 60) {
        self.store = store
        self.secret = secret.flatMap { $0.isEmpty ? nil : $0 }
        self.follower = follower
        self.maxConcurrentSnapshots = max(1, maxConcurrentSnapshots)
        spool = SnapshotSpool(store: store, name: "outgoing", sweepSeconds: spoolSweepSeconds)
        commits = CommitSignal()
        let signal = commits
        store.onCommit { signal.notify($0) }
        ReplicationMetrics.recordRole(replica: follower != nil)
    }

    public func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        guard let secret else {
            return Self.error(404, "NOT_FOUND", "Replication is not enabled on this node (set the REPLICATION_SECRET secret)")
        }
        guard let header = request.headers["Authorization"], header.hasPrefix("Bearer "),
              Self.constantTimeEqual(String(header.dropFirst(7)), secret) else {
            return Self.error(401, "UNAUTHORIZED", "Unauthorized")
        }
        let route: @Sendable (Request) async -> Response
        let tag: RouteTag
        switch request.path {
        case "/__edge/status":
            route = { _ in status() }
            tag = Self.tags.status
        case "/__edge/changes":
            route = changes
            tag = Self.tags.changes
        case "/__edge/snapshot":
            route = { _ in await snapshot() }
            tag = Self.tags.snapshot
        default: return Self.error(404, "NOT_FOUND", "No replication endpoint \(request.path)")
        }
        guard request.method == "GET" else {
            var response = Self.error(405, "METHOD_NOT_ALLOWED", "Method not allowed")
            response.headers["Allow"] = "GET"
            response.route = tag
            return response
        }
        var response = await route(request)
        response.route = tag
        return response
    }

    /// The replication endpoints in the runner's metrics.
    private static let tags = (status: RouteTag(dialect: "replication", template: "/__edge/status"),
                               changes: RouteTag(dialect: "replication", template: "/__edge/changes"),
                               snapshot: RouteTag(dialect: "replication", template: "/__edge/snapshot"))

    private func status() -> Response {
        var body: [String: JSONValue] = ["role": .string(follower == nil ? "origin" : "replica"),
                                         "sequence": .number(Double(store.sequence)),
                                         "history": .string(store.history)]
        if let statistics = try? store.statistics() {
            body["keys"] = .object(statistics.keysPerNamespace.mapValues { .number(Double($0)) })
            body["change_log_entries"] = .number(Double(statistics.changeLogEntries))
            body["used_bytes"] = .number(Double(statistics.usedBytes))
        }
        if let follower {
            for (key, value) in follower.status { body[key] = value }
        }
        return .json(.object(body), headers: ["Cache-Control": "no-store"])
    }

    @Sendable
    private func changes(_ request: Request) async -> Response {
        guard let text = request.queryParameter("since"), let since = UInt64(text) else {
            return Self.error(400, "VALIDATION_ERROR", "since must be a sequence number (0 or more)")
        }
        let wait = min(max(request.queryParameter("wait").flatMap(Double.init) ?? 0, 0), 30)
        let limit = min(max(request.queryParameter("limit").flatMap(Int.init) ?? 1000, 1), 10_000)
        let history = request.queryParameter("history")
        do {
            var page = try store.changes(after: since, limit: limit, history: history)
            if page.changes.isEmpty && wait > 0 && !wait.isNaN {
                let store = self.store
                if await commits.wait(above: since, timeout: wait, current: { store.sequence }) {
                    page = try store.changes(after: since, limit: limit, history: history)
                }
            }
            return .jsonBytes(ChangeFeedFormat.encode(page), headers: ["Cache-Control": "no-store"])
        } catch let failure as KVError {
            return Self.error(failure.status, failure.status == 410 ? "GONE" : "INTERNAL_ERROR", failure.message)
        } catch {
            return Self.error(500, "INTERNAL_ERROR", "The change log could not be read")
        }
    }

    /// Written to a spool file first (on a thread of its own: it is disk work), so the checksum can
    /// lead the stream; then streamed from the file as the client reads. The file's lease ends, and
    /// the file goes, however the download ends.
    private func snapshot() async -> Response {
        guard let lease = spool.lease(limit: maxConcurrentSnapshots) else {
            var response = Self.error(503, "UNAVAILABLE",
                                      "\(maxConcurrentSnapshots) snapshot downloads are under way; retry shortly")
            response.headers["Retry-After"] = "5"
            return response
        }
        let path = lease.path
        let store = self.store
        let result: Result<KVSnapshotInfo, any Error> = await onThread { Result { try store.writeSnapshot(to: path) } }
        guard case .success(let info) = result else {
            lease.end()
            return Self.error(500, "INTERNAL_ERROR", "The snapshot could not be written")
        }
        let reader = SnapshotReader(lease: lease)
        let stream = AsyncStream<[UInt8]>(unfolding: { reader.next() }, onCancel: { reader.close() })
        return Response(status: 200, headers: [
            "Content-Type": "application/octet-stream",
            "X-Edge-Snapshot-Sequence": String(info.sequence),
            "X-Edge-Snapshot-Format": String(KVSnapshotInfo.formatVersion),
            "X-Edge-Snapshot-SHA256": info.sha256,
            "X-Edge-Snapshot-Bytes": String(info.bytes),
            "X-Edge-History": store.history,
            "Cache-Control": "no-store",
        ], body: .stream(stream))
    }

    /// Ends every long poll in flight: called when the node begins to shut down.
    public func releaseWaiters() {
        commits.releaseAll()
    }

    static func error(_ status: Int, _ code: String, _ message: String) -> Response {
        .json(["error": .string(message), "code": .string(code)], status: status, headers: ["Cache-Control": "no-store"])
    }

    /// Compares digests, so the time taken says nothing about how much of the secret matched.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(SHA256.hash(data: Array(a.utf8))), y = Array(SHA256.hash(data: Array(b.utf8)))
        var difference: UInt8 = 0
        for i in 0..<x.count { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}
