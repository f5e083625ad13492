import EdgeJSON
import EdgeWorker

/// `/api/v1/webhooks` (admin): `{url, events, secret?}`; delivery is `WebhookDelivery`'s.
enum Webhooks {
    static let events: Set<String> = [
        "flag.created", "flag.updated", "flag.deleted", "config.created", "config.updated", "config.deleted",
        "segment.created", "segment.updated", "segment.deleted", "token.created", "token.deleted", "project.updated",
    ]

    static func create(_ call: TokenCall) async throws(APIError) -> Response {
        let body = try Body(call.request)
        try body.require("url", "events")
        let url = try body.string("url") ?? ""
        guard let subscribed = try body.strings("events"), !subscribed.isEmpty else {
            throw Body.wrongType("events", "a non-empty array of strings")
        }
        for event in subscribed where !events.contains(event) {
            throw .validation("Invalid event \"\(event)\": must be one of \(events.sorted().joined(separator: ", "))")
        }
        let secret = try body.string("secret")
        if let problem = await WebhookURLPolicy.check(url, allowPrivate: call.service.settings.allowPrivateWebhookTargets) {
            throw .validation(problem)
        }
        let id = "wh_" + call.env.random.bytes(8).map { String(format2: $0) }.joined()
        let webhook = WebhookRecord(id: id, url: url, events: subscribed, secret: secret, createdAt: call.timestamp)
        try await call.service.flags.put(KeyLayout.webhook(call.project, id), webhook.json)
        return .json(.object(webhook.answer), status: 201)
    }

    static func list(_ call: TokenCall) async throws(APIError) -> Response {
        let webhooks = try call.service.flags.records(WebhookRecord.self, prefix: KeyLayout.webhooks(call.project))
        return .json(["webhooks": .array(webhooks.map { .object($0.answer) })])
    }

    static func delete(_ call: TokenCall) async throws(APIError) -> Response {
        let key = KeyLayout.webhook(call.project, call.parameter("id"))
        guard try call.service.flags.get(key) != nil else { throw .notFound("Webhook not found") }
        try await call.service.flags.delete(key)
        return .json(["success": true])
    }

    /// Fires `event` to the webhooks of `scope` — a project's (EdgeFlags) or an organization's
    /// (FeatureSignals, which sign with `X-FeatureSignals-Signature: sha256=…` and record each
    /// delivery) — after the response (`waitUntil`).
    /// `wildcard: false` skips webhooks subscribed to `*` only: for an event that repeats another.
    static func notify<Who>(_ call: Call<Who>, scope: String, event: String, resource: String, environment: String?, data: JSONValue,
                       wildcard: Bool = true) {
        guard let records = try? call.service.flags.records(prefix: KeyLayout.webhooks(scope)) else { return }
        let targets = records.compactMap(WebhookRecord.init(json:)).filter { $0.receives(event, wildcard: wildcard) }
            .map(\.target)
        guard !targets.isEmpty else { return }
        let store = call.service.flags, random = call.env.random, clock = call.env.clock
        let delivery = WebhookDelivery(fetch: call.env.fetch, allowPrivate: call.service.settings.allowPrivateWebhookTargets,
                                       onAttempt: { attempt in
                                           guard attempt.target.style == .featureSignals else { return }
                                           await FSWebhooks.recordDelivery(attempt, store: store, random: random,
                                                                           now: clock())
                                       })
        let timestamp = call.timestamp
        call.ctx.waitUntil {
            await delivery.deliver(event: event, resource: resource, environment: environment, data: data,
                                   timestamp: timestamp, to: targets)
        }
    }
}

extension String {
    /// Two lowercase hex digits.
    init(format2 byte: UInt8) {
        let digits = Array("0123456789abcdef")
        self = String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
