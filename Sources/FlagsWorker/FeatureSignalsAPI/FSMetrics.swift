import EdgeJSON
import EdgeWorker

/// `GET /v1/metrics/evaluations`: this node's evaluation counts for the organization's projects,
/// per flag and reason, since the process started.
enum FSMetrics {
    static func evaluations(_ call: MemberCall) async throws(APIError) -> Response {
        let projects = Set(try call.service.flags.records(ProjectIndex.self, prefix: KeyLayout.organizationProjects(call.member.orgID))
            .map(\.projectID))
        var flags: [String: (project: String, key: String, total: Int, reasons: [String: Int])] = [:]
        var total = 0
        for (key, count) in call.service.metrics.snapshot(projects: projects) {
            let id = key.project + "\u{0}" + key.flag
            var entry = flags[id] ?? (key.project, key.flag, 0, [:])
            entry.total += count
            entry.reasons[FeatureSignalsModel.reason(key.reason), default: 0] += count
            flags[id] = entry
            total += count
        }
        let list = flags.values.sorted { ($0.project, $0.key) < ($1.project, $1.key) }.map { entry -> JSONValue in
            ["project_id": .string(entry.project), "flag_key": .string(entry.key), "total": .number(Double(entry.total)),
             "reasons": .object(entry.reasons.mapValues { .number(Double($0)) })]
        }
        return .json(["since": .string(Timestamp.format(call.service.metrics.since)), "total": .number(Double(total)),
                      "flags": .array(list)])
    }
}
