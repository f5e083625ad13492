import CoreMetrics

/// Replication in swift-metrics (served as `/metrics` when `serve` bootstraps a backend): this
/// node's role and, on a replica, how far it has applied, how far behind it is, and how often it
/// had to reconnect or take a whole snapshot again.
struct ReplicationMetrics: Sendable {
    let appliedSequence = Gauge(label: "edgeworker_replication_applied_sequence")
    /// Seconds since the replica was last in step with its origin; 0 while it is.
    let lagSeconds = Gauge(label: "edgeworker_replication_lag_seconds")
    /// Times the follower came back to following after a failure.
    let reconnects = Counter(label: "edgeworker_replication_reconnects_total")
    let snapshots = Counter(label: "edgeworker_replication_snapshots_installed_total")
    let failures = Counter(label: "edgeworker_replication_failures_total")

    /// 1 under this node's role (`origin` or `replica`), 0 under the other.
    static func recordRole(replica: Bool) {
        Gauge(label: "edgeworker_replication_role", dimensions: [("role", "origin")]).record(replica ? 0 : 1)
        Gauge(label: "edgeworker_replication_role", dimensions: [("role", "replica")]).record(replica ? 1 : 0)
    }
}
