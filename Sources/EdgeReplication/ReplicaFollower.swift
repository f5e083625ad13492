import EdgeJSON
import EdgeKV
import Foundation
import Logging
import Synchronization

/// Keeps a replica's store in step with its origin: installs a snapshot when it has none (or when
/// the origin answers 410), then long-polls the change feed and applies each page in one
/// transaction that also records the origin sequence reached. On any failure it keeps serving the
/// last good data, retries with capped exponential backoff, and reports its lag.
public final class ReplicaFollower: Sendable {
    public struct Settings: Sendable {
        /// How long one poll of the change feed may wait for a change at the origin.
        public var waitSeconds: Double = 25
        /// Changes per page.
        public var pageSize = 1000
        /// Backoff after a failure starts here and doubles up to `maxBackoffSeconds`.
        public var minBackoffSeconds = 0.2
        public var maxBackoffSeconds = 5.0

        public init() {}
    }

    /// What the follower is doing, for `/__edge/status`.
    enum Phase: String {
        case starting, snapshotting, following, disconnected, unauthorized, stopped
    }

    private struct State {
        var phase = Phase.starting
        var needsSnapshot = false
        var originLatest: UInt64?
        var lastContact: Double?
        var lastInSync: Double?
        var startedAt: Double = 0
        var lastError: String?
        var snapshotsInstalled = 0
        var changesApplied = 0
        /// Calls to the origin that failed (each followed by a backoff before the next).
        var failedAttempts = 0
        /// When the last few of them failed, on the follower's clock.
        var recentFailures: [Double] = []
        var delays = DelaySamples()
        var task: Task<Void, Never>?
        var stopping = false
    }

    public let origin: String
    private let store: KVStore
    private let client: OriginClient
    private let settings: Settings
    private let logger: Logger
    private let spool: SnapshotSpool
    private let clock: @Sendable () -> Double
    private let state = Mutex(State())
    private let metrics = ReplicationMetrics()

    public init(store: KVStore, client: OriginClient, settings: Settings = Settings(), logger: Logger,
                clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.store = store
        self.client = client
        origin = client.origin
        self.settings = settings
        self.logger = logger
        self.clock = clock
        spool = SnapshotSpool(store: store, name: "incoming")
        let now = clock()
        state.withLock { $0.startedAt = now }
    }

    /// True once a snapshot of the origin is installed: from then on the replica has data to serve,
    /// even while the origin is unreachable.
    public var hasData: Bool { store.appliedOriginSequence != nil }

    public func start() {
        state.withLock { s in
            guard s.task == nil else { return }
            s.task = Task { [self] in await run() }
        }
    }

    /// Stops following: the poll or download in flight ends with the follower's task, cancelled.
    public func stop() async {
        let task = state.withLock { s -> Task<Void, Never>? in
            s.stopping = true
            defer { s.task = nil }
            return s.task
        }
        client.invalidate()
        task?.cancel()
        await task?.value
        state.withLock { $0.phase = .stopped }
    }

    private var stopping: Bool { state.withLock { $0.stopping } }

    private func run() async {
        var backoff = Backoff(minimum: settings.minBackoffSeconds, maximum: settings.maxBackoffSeconds)
        while !stopping {
            do {
                if store.appliedOriginSequence == nil || state.withLock({ $0.needsSnapshot }) {
                    try await installSnapshot()
                }
                try await followOnePage(wait: settings.waitSeconds)
                backoff.reset()
            } catch {
                if stopping { break }
                noteFailure(error)
                // In short slices, so that a stop is not kept waiting for the whole backoff.
                let until = clock() + backoff.next()
                while !stopping && clock() < until { try? await Task.sleep(nanoseconds: 50_000_000) }
            }
        }
    }

    private func followOnePage(wait: Double) async throws {
        let applied = store.appliedOriginSequence ?? 0
        let page: KVChangePage
        do {
            page = try await client.changes(since: applied, wait: wait, limit: settings.pageSize,
                                            history: store.appliedOriginHistory)
        } catch {
            guard case .gone(let message) = error else { throw error }
            logger.notice("replica: sequence \(applied) is outside the origin's retained log or history (\(message)); taking a new snapshot")
            state.withLock { $0.needsSnapshot = true }
            return
        }
        try await store.apply(page.changes)
        let now = clock()
        let nowMillis = Int64(now * 1000)
        let reached = store.appliedOriginSequence ?? applied
        let (wasDisconnected, reconnected, lag) = state.withLock { s -> (Bool, Bool, Double) in
            let was = s.phase != .following
            let reconnected = s.phase == .disconnected || s.phase == .unauthorized
            s.phase = .following
            s.originLatest = max(page.latest, reached)
            s.lastContact = now
            s.lastError = nil
            s.changesApplied += page.changes.count
            for change in page.changes where change.sequence > applied {
                s.delays.add(max(0, nowMillis - change.timestampMillis))
            }
            if reached >= page.latest { s.lastInSync = now }
            return (was, reconnected, reached >= page.latest ? 0 : max(0, now - (s.lastInSync ?? s.startedAt)))
        }
        metrics.appliedSequence.record(Int64(truncatingIfNeeded: reached))
        metrics.lagSeconds.record(lag)
        if reconnected { metrics.reconnects.increment() }
        if wasDisconnected {
            logger.notice("replica: following \(origin) from sequence \(reached) (origin at \(page.latest))")
        }
    }

    private func installSnapshot() async throws {
        state.withLock { $0.phase = .snapshotting }
        let started = clock()
        let path = spool.newPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        logger.notice("replica: downloading a snapshot from \(origin)")
        let snapshot = try await client.downloadSnapshot(to: path)
        try await store.installSnapshot(at: snapshot.path)
        let now = clock()
        state.withLock { s in
            s.phase = .following
            s.needsSnapshot = false
            s.snapshotsInstalled += 1
            s.originLatest = snapshot.sequence
            s.lastContact = now
            s.lastInSync = now
            s.lastError = nil
        }
        metrics.snapshots.increment()
        metrics.appliedSequence.record(Int64(truncatingIfNeeded: snapshot.sequence))
        metrics.lagSeconds.record(0)
        logger.notice("replica: installed a snapshot at sequence \(snapshot.sequence) (\(snapshot.bytes) bytes, \(String(format: "%.2f", now - started)) s)")
    }

    private func noteFailure(_ error: any Error) {
        let message = "\(error)"
        let (changed, unauthorized) = state.withLock { s -> (Bool, Bool) in
            let unauthorized = (error as? OriginError) == .unauthorized
            let phase: Phase = unauthorized ? .unauthorized : .disconnected
            let changed = s.phase != phase || s.lastError != message
            // In step until this moment: the lag of a replica cut off counts from here.
            if s.phase == .following && (s.originLatest ?? 0) <= (store.appliedOriginSequence ?? 0) {
                s.lastInSync = clock()
            }
            s.phase = phase
            s.lastError = message
            s.failedAttempts += 1
            metrics.failures.increment()
            metrics.lagSeconds.record(max(0, clock() - (s.lastInSync ?? s.startedAt)))
            s.recentFailures.append(clock())
            if s.recentFailures.count > 16 { s.recentFailures.removeFirst() }
            return (changed, unauthorized)
        }
        guard changed else { return }
        if unauthorized {
            logger.error("replica: \(origin) refused REPLICATION_SECRET; check that both nodes have the same secret")
        } else {
            logger.warning("replica: \(message); serving the last applied data and retrying")
        }
    }

    /// When the last (up to 16) failed calls to the origin failed, oldest first.
    var recentFailureTimes: [Double] { state.withLock { $0.recentFailures } }

    /// The replica's side of `/__edge/status`.
    var status: [String: JSONValue] {
        let applied = store.appliedOriginSequence
        let now = clock()
        return state.withLock { s in
            var out: [String: JSONValue] = [
                "origin": .string(origin),
                "state": .string(s.phase.rawValue),
                "applied_sequence": applied.map { .number(Double($0)) } ?? .null,
                "snapshots_installed": .number(Double(s.snapshotsInstalled)),
                "changes_applied": .number(Double(s.changesApplied)),
                "failed_attempts": .number(Double(s.failedAttempts)),
            ]
            if let latest = s.originLatest {
                out["origin_sequence"] = .number(Double(latest))
                out["lag_sequences"] = .number(Double(latest > (applied ?? 0) ? latest - (applied ?? 0) : 0))
            }
            let inSync = s.phase == .following && (s.originLatest ?? 0) <= (applied ?? 0)
            if inSync {
                out["lag_seconds"] = .number(0)
            } else {
                // Not known to be in sync since then: at least this far behind, possibly more.
                out["lag_seconds"] = .number(max(0, now - (s.lastInSync ?? s.startedAt)))
            }
            if let contact = s.lastContact { out["last_contact_seconds_ago"] = .number(max(0, now - contact)) }
            if let error = s.lastError { out["last_error"] = .string(error) }
            if let p = s.delays.percentiles() {
                out["apply_delay_ms"] = .object(["samples": .number(Double(p.count)), "p50": .number(Double(p.p50)),
                                                  "p90": .number(Double(p.p90)), "p99": .number(Double(p.p99)),
                                                  "max": .number(Double(p.max))])
            }
            return out
        }
    }
}

/// Capped exponential backoff with ±20% jitter, so that replicas cut off together do not all come
/// back in the same instant.
struct Backoff {
    let minimum: Double
    let maximum: Double
    private var current: Double

    init(minimum: Double, maximum: Double) {
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
        current = minimum
    }

    /// The delay before the next attempt; each call doubles the one after, up to the cap.
    mutating func next() -> Double {
        defer { current = min(current * 2, maximum) }
        return current * Double.random(in: 0.8...1.2)
    }

    /// After a success: the next failure waits the minimum again.
    mutating func reset() { current = minimum }
}
