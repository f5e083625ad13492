import CoreMetrics
import Prometheus
import Synchronization

/// The process's metrics backend: swift-metrics bootstrapped once with swift-prometheus, whose
/// registry `/metrics` writes out. The runtime and workers count through swift-metrics' API, so a
/// worker's own counters show up beside the runtime's.
///
/// `MetricsSystem` is process-wide by swift-metrics' design, so this is too: `bootstrap` must run
/// before anything makes a metric (a metric made before it counts nowhere), which is why `serve`
/// calls it first thing when `[server] metrics` is set. Later calls return the same registry.
public enum PrometheusExport {
    private static let installed = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Bootstraps swift-metrics with the Prometheus backend (once), records the build's version and
    /// commit as `edgeworker_build_info`, and returns the registry.
    @discardableResult
    public static func bootstrap(version: String = "unknown", commit: String = "unknown") -> PrometheusCollectorRegistry {
        installed.withLock { registry in
            if let registry { return registry }
            let made = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: made)
            // Sub-millisecond answers are the point of this server: buckets down to 50 µs.
            factory.durationHistogramBuckets["edgeworker_http_request_duration_seconds"] = [
                .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                .microseconds(2500), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(100),
                .milliseconds(500), .seconds(1), .seconds(5),
            ]
            factory.defaultDurationHistogramBuckets = [
                .microseconds(100), .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                .milliseconds(50), .milliseconds(100), .milliseconds(250), .seconds(1), .seconds(5), .seconds(30),
            ]
            MetricsSystem.bootstrap(factory)
            let buildInfo = MetricNameDescriptor(namespace: "edgeworker", metricName: "build", unitName: "info",
                                                 helpText: "1, labelled with the build's version and commit")
            made.makeGauge(descriptor: buildInfo, labels: [("version", version), ("commit", commit)]).set(to: 1.0)
            registry = made
            return made
        }
    }

    /// The registry, once bootstrapped.
    static var registry: PrometheusCollectorRegistry? { installed.withLock { $0 } }
}
