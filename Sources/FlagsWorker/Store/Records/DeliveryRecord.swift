import EdgeJSON

/// One attempt to deliver an event to a FeatureSignals webhook
/// (`delivery:<webhook id>:<newest-first time>:<6 hex>` in `FLAGS`, kept 30 days), answered by
/// `GET /v1/webhooks/{id}/deliveries` as stored. The secret is never in it.
struct DeliveryRecord: JSONRecord, Equatable {
    var id: String
    var webhookID: String
    var eventType: String
    /// 1 for the first try, then one more per retry.
    var attempt: Int
    /// nil when no answer came (refused, unreachable, blocked by the SSRF guard).
    var responseStatus: Int?
    var success: Bool
    /// The body that was sent, or `null` when it was not JSON.
    var payload: JSONValue
    var deliveredAt: String

    init(id: String, webhookID: String, eventType: String, attempt: Int, responseStatus: Int?, success: Bool,
         payload: JSONValue, deliveredAt: String) {
        self.id = id
        self.webhookID = webhookID
        self.eventType = eventType
        self.attempt = attempt
        self.responseStatus = responseStatus
        self.success = success
        self.payload = payload
        self.deliveredAt = deliveredAt
    }

    init?(json: [String: JSONValue]) {
        guard let id = json["id"]?.stringValue, let webhookID = json["webhook_id"]?.stringValue,
              let eventType = json["event_type"]?.stringValue, let attempt = json["attempt"]?.doubleValue,
              let success = json["success"]?.boolValue, let deliveredAt = json["delivered_at"]?.stringValue else {
            return nil
        }
        self.init(id: id, webhookID: webhookID, eventType: eventType, attempt: Int(attempt),
                  responseStatus: json["response_status"]?.doubleValue.map { Int($0) }, success: success,
                  payload: json["payload"] ?? .null, deliveredAt: deliveredAt)
    }

    /// Every field, `response_status` `null` when no answer came: also the answer.
    var json: [String: JSONValue] {
        ["id": .string(id), "webhook_id": .string(webhookID), "event_type": .string(eventType),
         "attempt": .number(Double(attempt)), "response_status": responseStatus.map { .number(Double($0)) } ?? .null,
         "success": .bool(success), "payload": payload, "delivered_at": .string(deliveredAt)]
    }
}
