import CoreMetrics

/// A store's counters and gauges in swift-metrics (served as `/metrics` when `serve` bootstraps a
/// backend): reads, commits and their latency, the map's use and the change sequence. Made once per
/// store; a read costs one atomic add.
final class KVMetrics: Sendable {
    let reads = Counter(label: "edgeworker_kv_reads_total")
    let commits = Counter(label: "edgeworker_kv_commits_total")
    /// One write transaction, fsync included: what a durable `put` waits for.
    let commitDuration = Timer(label: "edgeworker_kv_commit_duration_seconds")
    let mapUsedBytes = Gauge(label: "edgeworker_kv_map_used_bytes")
    let mapSizeBytes = Gauge(label: "edgeworker_kv_map_size_bytes")
    let sequence = Gauge(label: "edgeworker_kv_sequence")
}
