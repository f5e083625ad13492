import CoreMetrics
import EdgeJSON
@testable import EdgeServer
import EdgeWorker
import Foundation
import NIOCore
import Prometheus
import Testing

/// The runner's request ids, its access log's bounded buffer and its pre-resolved route counters.
@Suite("Runner: request ids, access log and metrics", .serialized)
struct ObservabilityTests {
    private static func isMadeID(_ id: String?) -> Bool {
        guard let id, id.utf8.count == 15 else { return false }
        return id.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "v")).contains($0) }
    }

    @Test func anUntrustedClientsRequestIDIsReplacedAndEchoed() async throws {
        try await withRunner({ $0.trustedProxies = [] }) { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: chosen-by-client\r\n\r\n")
            let hello = try #require(await client.readResponse())
            #expect(hello.text == "hello")
            #expect(Self.isMadeID(hello.headers["x-request-id"]), "\(hello.headers)")

            // A runner-made error carries the same id in its body as in its header.
            try client.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n")
            let failed = try #require(await client.readResponse())
            #expect(failed.status == 500)
            let id = try #require(failed.headers["x-request-id"])
            #expect(Self.isMadeID(id))
            #expect(id != hello.headers["x-request-id"])
            #expect(try JSONValue.parse(failed.body)["request_id"]?.stringValue == id)
        }
    }

    @Test func aTrustedProxysRequestIDRoundTrips() async throws {
        try await withRunner({ $0.trustedProxies = ["127.0.0.1"] }) { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: edge-pop-7:abc123\r\n\r\n")
            #expect(await client.readResponse()?.headers["x-request-id"] == "edge-pop-7:abc123")

            // Not a plain token (a quote, a space): replaced, even from a trusted proxy.
            try client.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: a \"b\"\r\n\r\n")
            #expect(Self.isMadeID(await client.readResponse()?.headers["x-request-id"]))

            // The runner's own refusal (431) names the proxy's id in its body.
            let big = try RawHTTPClient(port: port)
            let filler = String(repeating: "v", count: 20 * 1024)
            try big.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: proxy-431\r\nX-Fill: \(filler)\r\n\r\n")
            let refused = try #require(await big.readResponse())
            #expect(refused.status == 431)
            #expect(refused.headers["x-request-id"] == "proxy-431")
            #expect(try JSONValue.parse(refused.body)["request_id"]?.stringValue == "proxy-431")
        }
    }

    @Test func aFullAccessLogBufferDropsAndCountsInsteadOfBlocking() throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusMetricsFactory(registry: registry)
        let dropped = CoreMetrics.Counter(label: "edgeworker_access_log_dropped_lines_total", factory: factory)
        var fds: [Int32] = [0, 0]
        try #require(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        // No writer thread: nothing drains the buffer until `flush`, as when stdout is stuck.
        let log = AccessLog(level: "info", output: fds[1], capacity: 4096, dropped: dropped, writes: false)
        let tag = RouteTag(dialect: "test", template: "/items/{id}")
        for i in 0..<200 {
            log.record(method: "GET", target: "/items/\(i)?token=secret", status: 200, bytes: 2, startedAt: .now(),
                       client: "127.0.0.1", requestID: "id-\(i)", route: tag)
        }
        #expect(log.bufferedBytes <= 4096)
        #expect(log.droppedLines > 100)
        let kept = 200 - log.droppedLines
        #expect(kept > 0)
        #expect(registry.emitToString().contains("edgeworker_access_log_dropped_lines_total \(log.droppedLines)\n"))

        // Written out, the buffer takes lines again; each one is a JSON object with the documented fields.
        log.flush()
        #expect(log.bufferedBytes == 0)
        log.record(method: "POST", target: "/a\"b\n", status: 503, bytes: 0, startedAt: .now(), client: "::1", requestID: "last")
        #expect(log.droppedLines == 200 - kept)
        log.flush()
        var bytes = [UInt8](repeating: 0, count: 1 << 16)
        let n = read(fds[0], &bytes, bytes.count)
        let lines = String(decoding: bytes[0..<max(0, n)], as: UTF8.self).split(separator: "\n")
        #expect(lines.count == kept + 1)
        let first = try JSONValue.parse(Array(lines[0].utf8))
        #expect(first["id"]?.stringValue == "id-0")
        #expect(first["route"]?.stringValue == "/items/{id}")
        #expect(first["target"]?.stringValue == "/items/0?token=[redacted]")
        #expect(first["status"]?.doubleValue == 200)
        #expect(first["ts"]?.doubleValue ?? 0 > 1_600_000_000_000)
        for field in ["method", "bytes", "us", "client"] { #expect(first[field] != nil, "\(field)") }
        let last = try JSONValue.parse(Array(lines[lines.count - 1].utf8))
        #expect(last["target"]?.stringValue == "/a\"b\n")
        #expect(last["route"] == nil)
    }

    @Test func routeCountersAreResolvedOncePerTagAndCountByStatusClass() {
        let registry = PrometheusCollectorRegistry()
        let metrics = ServerMetrics(factory: PrometheusMetricsFactory(registry: registry))
        let cache = RouteCounterCache(metrics: metrics)
        let tag = RouteTag(dialect: "test", template: "/items/{id}")
        #expect(cache.counters(for: tag) === cache.counters(for: tag))
        for status in [200, 204, 404, 503, 700] {
            cache.counters(for: tag).count(status: status, nanoseconds: 120_000)
        }
        metrics.reject(.timeout)
        let text = registry.emitToString()
        let series = #"edgeworker_http_requests_total{dialect="test",route="/items/{id}",status=""#
        #expect(text.contains(series + #"2xx"} 2"#))
        #expect(text.contains(series + #"4xx"} 1"#))
        #expect(text.contains(series + #"5xx"} 1"#))
        #expect(text.contains(series + #"other"} 1"#))
        #expect(text.contains(#"edgeworker_http_request_duration_seconds_count{dialect="test"} 5"#))
        #expect(text.contains(#"edgeworker_http_rejected_total{reason="timeout"} 1"#))
    }

    @Test func onlyTargetsThatMayCarryCredentialsAreRedactedTheSlowWay() {
        let may = ["/s?token=a", "/s?TOKEN=a", "/s?t%6Fken=a", "/s?a=1&api_key=2", "/s?access_token", "/s?x=1&ApiKey=k"]
        let mayNot = ["/health", "/x?context=%7B%7D", "/s?tokens=1", "/s?x=token", "/s?", "/api/v1/flags/k?environment=prod&a=b"]
        for target in may { #expect(AccessLog.mayCarryCredentials(target), "\(target)") }
        for target in mayNot {
            #expect(!AccessLog.mayCarryCredentials(target), "\(target)")
            #expect(AccessLog.redacted(target) == target, "\(target)")
        }
    }

    @Test func requestIDsFromProxiesMustBePlainTokens() {
        #expect(RequestIDs.isAcceptable("3f9a-01:pop.fra@x+y=/z_"))
        #expect(!RequestIDs.isAcceptable(""))
        #expect(!RequestIDs.isAcceptable("has space"))
        #expect(!RequestIDs.isAcceptable("quote\""))
        #expect(!RequestIDs.isAcceptable(String(repeating: "a", count: RequestIDs.maxLength + 1)))
        let ids = RequestIDs()
        #expect(ids.id(forwarded: "proxy", trusted: false) != "proxy")
        #expect(ids.id(forwarded: "proxy", trusted: true) == "proxy")
        #expect(ids.make() != ids.make())
    }
}
