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
        var entries = try call.service.flags.records(prefix: KeyLayout.audits(call.project))
        if type != nil || key != nil {
            entries = entries.filter { entry in
                (type == nil || entry["resource_type"]?.stringValue == type)
                    && (key == nil || entry["resource_key"]?.stringValue == key)
            }
        }
        return .json(page.body(entries, name: "entries") { .object($0) })
    }
}
