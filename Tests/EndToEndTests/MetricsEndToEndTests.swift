import EdgeJSON
import Foundation
import Testing

/// `/metrics` of the real binary, read by prometheus-client's own text parser (PyPI): it parses,
/// its counters move as requests, evaluations, commits and replication happen, and no label
/// carries what a client sent.
@Suite("End to end: Prometheus metrics", .serialized)
struct MetricsEndToEndTests {
    static let parser = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/parse_metrics.py").path

    /// One scrape as prometheus-client parsed it.
    struct Scrape {
        var contentType: String
        var types: [String: String]
        var samples: [(name: String, labels: [String: String], value: Double)]

        /// The sum of the samples of `name` whose labels include `labels`.
        func value(_ name: String, _ labels: [String: String] = [:]) -> Double {
            samples.filter { sample in
                sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value }
            }.reduce(0) { $0 + $1.value }
        }

        func labelValues(_ name: String, _ label: String) -> Set<String> {
            Set(samples.filter { $0.name == name }.compactMap { $0.labels[label] })
        }
    }

    static func scrape(_ url: String) async throws -> Scrape {
        let parsed = try await runJSONClient(["python3", parser, url], name: "prometheus-client parser")
        var types: [String: String] = [:]
        for family in parsed["families"]?.arrayValue ?? [] {
            types[family["name"]?.stringValue ?? ""] = family["type"]?.stringValue
        }
        let samples = (parsed["samples"]?.arrayValue ?? []).map { sample in
            var labels: [String: String] = [:]
            if case .object(let fields)? = sample["labels"] {
                for (name, value) in fields { labels[name] = value.stringValue }
            }
            return (name: sample["name"]?.stringValue ?? "", labels: labels, value: sample["value"]?.doubleValue ?? .nan)
        }
        return Scrape(contentType: parsed["content_type"]?.stringValue ?? "", types: types, samples: samples)
    }

    static func parserIsInstalled() -> Bool {
        if (try? EdgeworkerBinary.runTool("python3", ["-c", "import prometheus_client"]).status) == 0 { return true }
        Issue.record("prometheus-client is missing: pip install prometheus-client (scripts/test installs it)")
        return false
    }

    @Test func metricsParseAndCountRequestsEvaluationsAndCommits() async throws {
        guard Self.parserIsInstalled() else { return }
        let metricsPort = freePort()
        let service = try RunningFlagService.start(extra: ["--metrics", "127.0.0.1:\(metricsPort)"])
        defer { service.stop() }
        let (base, admin) = (service.base, service.admin)
        let metrics = "http://127.0.0.1:\(metricsPort)/metrics"

        let before = try await Self.scrape(metrics)
        #expect(before.contentType.hasPrefix("text/plain"))
        #expect(before.types["edgeworker_build_info"] == "gauge")
        #expect(before.value("edgeworker_build_info") == 1)

        #expect(try http("POST", base + "/api/v1/flags", token: admin,
                         body: #"{"key":"metered","enabled":true,"value":true}"#).status == 201)
        // Three users, then one user three times: the third time is a kept answer, counted as evaluated.
        var flagsPerAnswer = 0
        for user in [0, 1, 2, 3, 3, 3] {
            let answer = try http("POST", base + "/api/v1/evaluate", token: admin,
                                  body: #"{"context":{"user_id":"user-\#(user)"}}"#)
            #expect(answer.status == 200)
            flagsPerAnswer = answer.json["flags"]?.objectValue?.count ?? 0
        }
        #expect(flagsPerAnswer >= 1)
        // The public port does not publish the metrics: there it is a path like any other.
        #expect(try http("GET", base + "/metrics", token: nil).status == 404)
        // A refusal of the runner's own (431, over max_header_bytes) is counted by its reason.
        _ = try curl(["-s", "-o", "/dev/null", "-H", "X-Fill: " + String(repeating: "v", count: 20 * 1024), base + "/health"])

        let after = try await Self.scrape(metrics)
        #expect(after.types["edgeworker_http_requests"] == "counter")
        #expect(after.types["edgeworker_http_request_duration_seconds"] == "histogram")
        let evaluate = ["dialect": "edgeflags", "route": "/api/v1/evaluate", "status": "2xx"]
        #expect(after.value("edgeworker_http_requests_total", evaluate)
                - before.value("edgeworker_http_requests_total", evaluate) == 6)
        #expect(after.value("edgeworker_http_requests_total", ["dialect": "edgeflags", "route": "/api/v1/flags", "status": "2xx"]) >= 1)
        #expect(after.value("edgeworker_http_requests_total", ["route": "unmatched", "status": "4xx"]) >= 1)
        #expect(after.value("edgeworker_http_request_duration_seconds_count")
                > before.value("edgeworker_http_request_duration_seconds_count"))
        #expect(after.value("edgeworker_flag_evaluations_total", ["project": "default"])
                - before.value("edgeworker_flag_evaluations_total", ["project": "default"]) == Double(6 * flagsPerAnswer))
        #expect(after.value("edgeworker_answer_cache_lookups_total", ["result": "miss"]) >= 5)
        #expect(after.value("edgeworker_answer_cache_lookups_total", ["result": "hit"]) >= 1)
        #expect(after.value("edgeworker_kv_commits_total") > before.value("edgeworker_kv_commits_total"))
        #expect(after.value("edgeworker_kv_sequence") > before.value("edgeworker_kv_sequence"))
        #expect(after.value("edgeworker_kv_map_used_bytes") > 0)
        #expect(after.value("edgeworker_kv_commit_duration_seconds_count") >= 1)
        #expect(after.value("edgeworker_kv_reads_total") >= before.value("edgeworker_kv_reads_total"))
        #expect(after.value("edgeworker_flags_compiles_total") >= 1)
        #expect(after.value("edgeworker_flags_compiled_projects") >= 1)
        #expect(after.value("edgeworker_replication_role", ["role": "origin"]) == 1)
        #expect(after.value("edgeworker_http_open_connections") >= 0)
        #expect(after.value("edgeworker_http_rejected_total", ["reason": "headers_too_large"]) == 1)
        #expect(after.value("edgeworker_http_requests_total", ["dialect": "none", "route": "unmatched", "status": "4xx"]) == 1)
    }

    @Test func labelsStayBoundedWhateverPathsClientsSend() async throws {
        guard Self.parserIsInstalled() else { return }
        let metricsPort = freePort()
        let service = try RunningFlagService.start(extra: ["--metrics", "127.0.0.1:\(metricsPort)"])
        defer { service.stop() }
        var generator = SystemRandomNumberGenerator()
        var sent: [String] = []
        for i in 0..<40 {
            let marker = "zq\(UInt32.random(in: 0...UInt32.max, using: &generator))"
            sent.append(marker)
            let path: String
            switch i % 5 {
            case 0: path = "/\(marker)"
            case 1: path = "/api/v1/flags/\(marker)"
            case 2: path = "/v1/\(marker)/x/y?\(marker)=1"
            case 3: path = "/api/v1/\(marker)%20%E2%9C%93"
            default: path = "/api/v1/flags/\(marker)/evaluate?context=%7B%22key%22%3A%22\(marker)%22%7D"
            }
            _ = try http("GET", service.base + path, token: i % 2 == 0 ? service.admin : nil)
        }
        let text = try curl(["-s", "http://127.0.0.1:\(metricsPort)/metrics"])
        for marker in sent {
            #expect(!text.contains(marker), "a label carries what a client sent: \(marker)")
        }
        let scrape = try await Self.scrape("http://127.0.0.1:\(metricsPort)/metrics")
        let routes = scrape.labelValues("edgeworker_http_requests_total", "route")
        #expect(routes.allSatisfy { $0 == "unmatched" || $0.hasPrefix("/") }, "\(routes)")
        #expect(routes.count <= 6, "forty paths made \(routes.count) route labels: \(routes)")
    }

    @Test func originAndReplicaReportReplication() async throws {
        guard Self.parserIsInstalled() else { return }
        try await Cluster.with(replicas: 1) { cluster in
            let replica = cluster.replicas[0]
            #expect(try http("POST", cluster.origin.url + "/api/v1/flags", token: cluster.admin,
                             body: #"{"key":"replicated","enabled":true,"value":true}"#).status == 201)
            let originSequence = try await Self.scrape(cluster.origin.metricsURL).value("edgeworker_kv_sequence")
            #expect(originSequence > 0)
            // The replica catches up: its applied sequence reaches the origin's, its lag is 0.
            let caughtUp = await eventually(timeout: 20) {
                let scrape = try await Self.scrape(replica.metricsURL)
                return scrape.value("edgeworker_replication_applied_sequence") >= originSequence
            }
            #expect(caughtUp)
            let scrape = try await Self.scrape(replica.metricsURL)
            #expect(scrape.value("edgeworker_replication_role", ["role": "replica"]) == 1)
            #expect(scrape.value("edgeworker_replication_role", ["role": "origin"]) == 0)
            #expect(scrape.value("edgeworker_replication_snapshots_installed_total") >= 1)
            #expect(scrape.value("edgeworker_replication_lag_seconds") == 0)
            #expect(scrape.value("edgeworker_kv_commits_total") >= 1)
            let origin = try await Self.scrape(cluster.origin.metricsURL)
            #expect(origin.value("edgeworker_replication_role", ["role": "origin"]) == 1)
            #expect(origin.value("edgeworker_http_requests_total",
                                 ["dialect": "replication", "route": "/__edge/changes", "status": "2xx"]) >= 1)
        }
    }
}
