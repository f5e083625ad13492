import CoreMetrics
import EdgeWorker
import NIOCore

/// The runner's own metrics, resolved once: requests by dialect, route template and status class,
/// their duration, open connections, refusals by reason and dropped access-log lines.
///
/// Counting a request must cost next to nothing: each route's counters are looked up by its tag's
/// identity in a cache of the request's event loop (`RouteCounterCache`), and a count is one atomic
/// add. Label values come from `RouteTag`s and fixed enums, never from a request.
final class ServerMetrics: Sendable {
    /// Why the runner (or a worker's 429) turned a request or a connection away.
    enum Rejection: String, CaseIterable, Sendable {
        case headersTooLarge = "headers_too_large"
        case bodyTooLarge = "body_too_large"
        case malformed
        case notImplemented = "not_implemented"
        case timeout
        case connectionsPerClient = "connections_per_client"
        case connections
        case pipelineBacklog = "pipeline_backlog"
        case rateLimited = "rate_limited"
    }

    let factory: any MetricsFactory
    private let rejections: [Counter]
    let openConnections: Gauge
    let droppedLogLines: Counter

    init(factory: any MetricsFactory = MetricsSystem.factory) {
        self.factory = factory
        rejections = Rejection.allCases.map {
            Counter(label: "edgeworker_http_rejected_total", dimensions: [("reason", $0.rawValue)], factory: factory)
        }
        openConnections = Gauge(label: "edgeworker_http_open_connections", factory: factory)
        droppedLogLines = Counter(label: "edgeworker_access_log_dropped_lines_total", factory: factory)
    }

    func reject(_ reason: Rejection) {
        rejections[Rejection.allCases.firstIndex(of: reason)!].increment()
    }

    /// The counters of one route (found once per event loop, then by identity).
    final class RouteCounters: Sendable {
        let tag: RouteTag
        /// 1xx … 5xx, and anything else at 0.
        private let byClass: [Counter]
        private let duration: Timer

        init(tag: RouteTag, factory: any MetricsFactory) {
            self.tag = tag
            byClass = ["other", "1xx", "2xx", "3xx", "4xx", "5xx"].map {
                Counter(label: "edgeworker_http_requests_total",
                        dimensions: [("dialect", tag.dialect), ("route", tag.template), ("status", $0)], factory: factory)
            }
            duration = Timer(label: "edgeworker_http_request_duration_seconds", dimensions: [("dialect", tag.dialect)],
                             factory: factory)
        }

        /// Counts an answer; `nanoseconds` nil for one the runner refused before reading the request
        /// whole (its duration would say nothing about serving).
        func count(status: Int, nanoseconds: UInt64?) {
            let statusClass = status / 100
            byClass[(1...5).contains(statusClass) ? statusClass : 0].increment()
            if let nanoseconds { duration.recordNanoseconds(Int64(truncatingIfNeeded: nanoseconds)) }
        }
    }
}

/// One event loop's counters by route tag: used only on its loop, so it needs no lock.
final class RouteCounterCache: @unchecked Sendable {
    private let metrics: ServerMetrics
    private var byTag: [ObjectIdentifier: ServerMetrics.RouteCounters] = [:]

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    func counters(for tag: RouteTag) -> ServerMetrics.RouteCounters {
        if let found = byTag[ObjectIdentifier(tag)], found.tag === tag { return found }
        let made = ServerMetrics.RouteCounters(tag: tag, factory: metrics.factory)
        byTag[ObjectIdentifier(tag)] = made
        return made
    }

    /// One cache for each loop of `group`, by the loop's identity.
    static func forEachLoop(of group: any EventLoopGroup, metrics: ServerMetrics) -> [ObjectIdentifier: RouteCounterCache] {
        var caches: [ObjectIdentifier: RouteCounterCache] = [:]
        for loop in group.makeIterator() { caches[ObjectIdentifier(loop)] = RouteCounterCache(metrics: metrics) }
        return caches
    }
}
