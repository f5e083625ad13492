import CoreMetrics
import Crypto
import EdgeJSON
import EdgeWorker

/// A registered webhook.
struct WebhookTarget: Sendable {
    /// How a dialect signs: EdgeFlags `X-Webhook-Signature: <hex>`, FeatureSignals
    /// `X-FeatureSignals-Signature: sha256=<hex>`.
    enum Style: Sendable { case edgeFlags, featureSignals }

    var id: String
    var url: String
    var events: [String]
    var secret: String?
    var style: Style = .edgeFlags
}

/// One delivery attempt, for the FeatureSignals delivery log.
struct WebhookAttempt: Sendable {
    var target: WebhookTarget
    var event: String
    var attempt: Int
    /// nil when no answer came (refused, unreachable, blocked by the SSRF guard).
    var status: Int?
    var success: Bool
    var payload: [UInt8]
}

/// Delivers one event to its targets: POST `{event, resource, environment, data, timestamp}` with
/// `X-Webhook-Signature: hex(HMAC-SHA256(secret, raw body))`, retried after each of `retryDelays`
/// on a non-2xx answer or a failure. Runs after the response, under `ctx.waitUntil`.
struct WebhookDelivery: Sendable {
    let fetch: @Sendable (Request) async throws -> Response
    let allowPrivate: Bool
    let retryDelays: [Double]
    let sleep: @Sendable (Double) async -> Void
    let onAttempt: (@Sendable (WebhookAttempt) async -> Void)?

    init(fetch: @escaping @Sendable (Request) async throws -> Response, allowPrivate: Bool,
         retryDelays: [Double] = [1, 5, 25],
         sleep: @escaping @Sendable (Double) async -> Void = { try? await Task.sleep(nanoseconds: UInt64($0 * 1e9)) },
         onAttempt: (@Sendable (WebhookAttempt) async -> Void)? = nil) {
        self.fetch = fetch
        self.allowPrivate = allowPrivate
        self.retryDelays = retryDelays
        self.sleep = sleep
        self.onAttempt = onAttempt
    }

    static func signature(secret: String, body: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))
        return Data32(code).hex
    }

    func deliver(event: String, resource: String, environment: String?, data: JSONValue, timestamp: String,
                 to targets: [WebhookTarget]) async {
        let body = JSONValue.object(["event": .string(event), "resource": .string(resource),
                                     "environment": environment.map(JSONValue.string) ?? .null, "data": data,
                                     "timestamp": .string(timestamp)]).serialized()
        await withTaskGroup(of: Void.self) { group in
            for target in targets {
                group.addTask { await deliver(body, event: event, to: target) }
            }
        }
    }

    /// Returns whether a 2xx answer came back.
    @discardableResult
    func deliver(_ body: [UInt8], event: String, to target: WebhookTarget) async -> Bool {
        var headers: Headers = ["Content-Type": "application/json", "User-Agent": "edgeworker-webhooks/1",
                                "X-Webhook-Event": event, "X-Webhook-Id": target.id]
        if let secret = target.secret {
            let signature = Self.signature(secret: secret, body: body)
            switch target.style {
            case .edgeFlags: headers["X-Webhook-Signature"] = signature
            case .featureSignals: headers["X-FeatureSignals-Signature"] = "sha256=" + signature
            }
        }
        let request = Request(method: "POST", target: target.url, headers: headers, body: body)
        for attempt in 0...retryDelays.count {
            if attempt > 0 { await sleep(retryDelays[attempt - 1]) }
            let allowed = await WebhookURLPolicy.deliverable(target.url, allowPrivate: allowPrivate)
            let status = allowed ? (try? await fetch(request))?.status : nil
            let success = status.map { (200..<300).contains($0) } ?? false
            await onAttempt?(WebhookAttempt(target: target, event: event, attempt: attempt + 1, status: status,
                                            success: success, payload: body))
            Self.attempts[success ? 0 : 1].increment()
            if success {
                Self.deliveries[0].increment()
                return true
            }
            if !allowed { break }
        }
        Self.deliveries[1].increment()
        return false
    }

    /// Attempts (each retry is one) and deliveries (an event to a target, after its retries), by
    /// outcome: `delivered` first, then `failed`.
    private static let attempts = ["delivered", "failed"].map {
        Counter(label: "edgeworker_webhook_attempts_total", dimensions: [("result", $0)])
    }
    private static let deliveries = ["delivered", "failed"].map {
        Counter(label: "edgeworker_webhook_deliveries_total", dimensions: [("result", $0)])
    }
}

/// Hex of a MAC without going through Foundation.
private struct Data32 {
    let hex: String
    init(_ code: HashedAuthenticationCode<SHA256>) {
        hex = code.map { String(format2: $0) }.joined()
    }
}
