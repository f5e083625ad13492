import EdgeJSON
import EdgeWorker

/// `/v1/webhooks`: the organization's webhooks (`webhook:<org>:<id>`), signed with
/// `X-FeatureSignals-Signature: sha256=<hex HMAC>`, each attempt kept in a delivery log. Delivery
/// itself is the shared `WebhookDelivery` (retries, the SSRF guard).
///
/// A webhook may name any event, as the reference server allows: a dashboard offers names this
/// server may not emit (yet), and refusing them broke saving the webhook. A name nothing emits is
/// stored and never fires. What this server emits is listed in the FeatureSignals compatibility
/// article; `*` is all of it but `flag.toggled`, which only a webhook naming it receives.
enum FSWebhooks {
    /// Bounds that keep a webhook record small; no real subscription comes near them.
    static let maxEvents = 100, maxEventLength = 200
    static let deliveryRetentionSeconds: Int64 = 30 * 24 * 3600

    /// The reference's fields (a missing one `null`), and whether a secret is set.
    static func shape(_ webhook: WebhookRecord) -> JSONValue {
        var out = FSShape.pick(webhook.json, ["id", "org_id", "name", "url", "events", "enabled", "created_at", "updated_at"])
            .objectValue ?? [:]
        out["has_secret"] = .bool(webhook.secret != nil)
        return .object(out)
    }

    static func list(_ call: MemberCall) async throws(APIError) -> Response {
        let webhooks = try call.service.flags.records(WebhookRecord.self, prefix: KeyLayout.webhooks(call.member.orgID))
        return .json(.array(webhooks.map(shape)))
    }

    static func create(_ call: MemberCall) async throws(APIError) -> Response {
        let body = try call.featureSignalsBody()
        guard let url = try body.string("url"), !url.isEmpty else { throw .fs(400, "url is required") }
        var webhook = WebhookRecord(id: call.newID(), url: url, events: ["*"], secret: nil, createdAt: call.timestamp,
                                    orgID: call.member.orgID, name: url, enabled: true, updatedAt: call.timestamp)
        try await checkURL(body, call: call)
        try merge(body, into: &webhook)
        try await call.service.flags.put(KeyLayout.webhook(call.member.orgID, webhook.id), webhook.json)
        return .json(shape(webhook), status: 201)
    }

    static func get(_ call: MemberCall) async throws(APIError) -> Response {
        .json(shape(try load(call)))
    }

    static func update(_ call: MemberCall) async throws(APIError) -> Response {
        let body = try call.featureSignalsBody()
        try await checkURL(body, call: call)  // a name lookup: before the write lock, not under it
        return try await call.service.writes.run { () async throws(APIError) -> Response in
            var webhook = try load(call)
            try merge(body, into: &webhook)
            webhook.updatedAt = call.timestamp
            try await call.service.flags.put(KeyLayout.webhook(call.member.orgID, webhook.id), webhook.json)
            return .json(shape(webhook))
        }
    }

    static func delete(_ call: MemberCall) async throws(APIError) -> Response {
        _ = try load(call)
        let id = call.parameter("id")
        for key in try call.service.flags.keys(prefix: KeyLayout.deliveries(id)) { try await call.service.flags.delete(key) }
        try await call.service.flags.delete(KeyLayout.webhook(call.member.orgID, id))
        return Response(status: 204, bytes: [])
    }

    /// Newest first.
    static func deliveries(_ call: MemberCall) async throws(APIError) -> Response {
        _ = try load(call)
        let deliveries = try call.service.flags.records(DeliveryRecord.self, prefix: KeyLayout.deliveries(call.parameter("id")))
        return .json(.array(deliveries.map { .object($0.json) }))
    }

    /// One attempt into the log (`WebhookDelivery.onAttempt`); the secret never is.
    static func recordDelivery(_ attempt: WebhookAttempt, store: RecordStore, random: RandomSource, now: Double) async {
        let record = DeliveryRecord(id: UUIDText.make(random), webhookID: attempt.target.id, eventType: attempt.event,
                                    attempt: attempt.attempt, responseStatus: attempt.status, success: attempt.success,
                                    payload: (try? JSONValue.parse(attempt.payload)) ?? .null,
                                    deliveredAt: Timestamp.format(now))
        try? await store.put(KeyLayout.delivery(attempt.target.id, millis: Int64(now * 1000), suffix: Hex.encode(random.bytes(3))),
                             record, ttl: deliveryRetentionSeconds)
    }

    private static func load(_ call: MemberCall) throws(APIError) -> WebhookRecord {
        let id = call.parameter("id")
        guard UUIDText.isValid(id),
              let webhook = try call.service.flags.get(WebhookRecord.self, KeyLayout.webhook(call.member.orgID, id)) else {
            throw .fs(404, "webhook not found")
        }
        return webhook
    }

    /// The target must be allowed by the SSRF policy (which resolves its name).
    private static func checkURL(_ body: Body, call: MemberCall) async throws(APIError) {
        guard let url = try body.string("url") else { return }
        if let problem = await WebhookURLPolicy.check(url, allowPrivate: call.service.settings.allowPrivateWebhookTargets) {
            throw .fs(400, problem.lowercased())
        }
    }

    private static func merge(_ body: Body, into webhook: inout WebhookRecord) throws(APIError) {
        if let url = try body.string("url") { webhook.url = url }
        if let name = try body.string("name") { webhook.name = name }
        if let enabled = try body.bool("enabled") { webhook.enabled = enabled }
        if let secret = try body.string("secret") { webhook.secret = secret.isEmpty ? nil : secret }
        if let list = try body.strings("events") {
            guard list.count <= maxEvents, list.allSatisfy({ !$0.trimmingSpaces.isEmpty && $0.utf8.count <= maxEventLength }) else {
                throw .fs(400, "events must be at most \(maxEvents) names of 1 to \(maxEventLength) characters")
            }
            webhook.events = list.isEmpty ? ["*"] : list
        }
    }
}
