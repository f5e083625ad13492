import EdgeJSON
import EdgeWorker

/// What every change goes through after it is stored: an audit entry, the webhooks subscribed to
/// its event (delivered after the response), and the live streams of the project.
extension Call {
    enum Action: String { case create, update, delete }

    func recorded(_ action: Action, _ resourceType: String, key: String, before: JSONValue?, after: JSONValue?,
                  environment: String? = nil) async throws(APIError) {
        let entry: [String: JSONValue] = [
            "timestamp": .string(timestamp), "actor": .string(actor), "action": .string(action.rawValue),
            "resource_type": .string(resourceType), "resource_key": .string(key), "project_id": .string(project),
            "before": before ?? .null, "after": after ?? .null,
        ]
        let suffix = env.random.bytes(3).map { String($0, radix: 16) }.map { $0.count == 1 ? "0" + $0 : $0 }.joined()
        try await service.flags.put(KeyLayout.audit(project, millis: Int64(now * 1000), suffix: suffix), entry,
                                    ttl: Audit.retentionSeconds)
        let past = action == .create ? "created" : action == .update ? "updated" : "deleted"
        Webhooks.notify(self, event: "\(resourceType).\(past)", resource: key, environment: environment,
                        data: after ?? before ?? .null)
        if resourceType == "flag" || resourceType == "config" || resourceType == "segment" {
            service.subscribers.changed(project: project)
        }
    }
}

/// `limit` (1–200, default 50) and `offset` (0–1,000,000,000, default 0) of list routes.
struct Page {
    /// A bound the OpenAPI document can state exactly (past the end is an empty page anyway).
    static let maxOffset = 1_000_000_000
    var limit: Int
    var offset: Int

    init(_ request: Request) throws(APIError) {
        limit = 50
        offset = 0
        if let text = request.queryParameter("limit") {
            guard let value = Int(text), (1...200).contains(value) else {
                throw .validation("Invalid limit: must be an integer from 1 to 200")
            }
            limit = value
        }
        if let text = request.queryParameter("offset") {
            guard let value = Int(text), (0...Self.maxOffset).contains(value) else {
                throw .validation("Invalid offset: must be an integer from 0 to \(Self.maxOffset)")
            }
            offset = value
        }
    }

    func body<T>(_ items: [T], name: String, _ encode: (T) -> JSONValue) -> JSONValue {
        let slice = offset < items.count ? Array(items[offset..<min(items.count, offset + limit)]) : []
        return .object([name: .array(slice.map(encode)), "total": .number(Double(items.count)),
                        "has_more": .bool(offset + slice.count < items.count)])
    }
}

/// `If-Match: "<version>"` on updates.
enum Versioning {
    /// The header may list several versions (`"3", "4"`, RFC 9110 §13.1.1): any one of them matches.
    static func check(_ request: Request, current: Int) throws(APIError) {
        guard let header = request.headers["If-Match"] else { return }
        for candidate in header.split(separator: ",") {
            var text = String(candidate).trimmingSpaces
            if text == "*" { return }
            if text.hasPrefix("W/") { text.removeFirst(2) }
            if text.hasPrefix("\"") && text.hasSuffix("\"") && text.count >= 2 { text = String(text.dropFirst().dropLast()) }
            if Int(text) == current { return }
        }
        throw .conflict("Version conflict", details: ["current_version": .number(Double(current))])
    }

    static func version(of record: [String: JSONValue]) -> Int {
        Int(record["version"]?.doubleValue ?? 1)
    }
}
