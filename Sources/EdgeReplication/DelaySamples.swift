/// The most recent replication delays (origin commit → applied here), in milliseconds, for the
/// percentiles `/__edge/status` reports. A fixed ring: memory does not grow with traffic. It holds
/// 4,096 (32 KB), so that a burst of 1,000 flag writes (2,000 changes: each flag and its audit
/// entry) is measured whole, not only its last half.
struct DelaySamples: Sendable {
    static let capacity = 4096
    private var ring: [Int64] = []
    private var next = 0
    private(set) var total = 0

    mutating func add(_ millis: Int64) {
        total += 1
        if ring.count < Self.capacity {
            ring.append(millis)
        } else {
            ring[next] = millis
            next = (next + 1) % Self.capacity
        }
    }

    /// Nearest-rank percentiles of the samples kept.
    func percentiles() -> (count: Int, p50: Int64, p90: Int64, p99: Int64, max: Int64)? {
        guard !ring.isEmpty else { return nil }
        let sorted = ring.sorted()
        func rank(_ p: Double) -> Int64 { sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))] }
        return (sorted.count, rank(0.50), rank(0.90), rank(0.99), sorted[sorted.count - 1])
    }
}
