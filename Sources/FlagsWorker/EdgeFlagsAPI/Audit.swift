import EdgeJSON
import EdgeWorker

/// `GET /api/v1/audit?resource_type&resource_key&limit&offset` (admin), newest first.
enum Audit {
    /// Entries expire after 90 days (a KV TTL), so the log cannot grow without bound.
    static let retentionSeconds: Int64 = 90 * 24 * 3600

    static func list(_ call: TokenCall) async throws(APIError) -> Response {
        let page = try Page(call.request)
        let type = call.request.queryParameter("resource_type")
        let key = call.request.queryParameter("resource_key")
        let entries = try call.service.flags.records(prefix: KeyLayout.audits(call.project))
            .compactMap(AuditEntry.init(json:))
            .filter { (type == nil || $0.resourceType == type) && (key == nil || $0.resourceKey == key) }
        return .json(page.body(entries, name: "entries") { .object($0.json) })
    }
}
