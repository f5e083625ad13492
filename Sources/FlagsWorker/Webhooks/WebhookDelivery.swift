import Crypto
import EdgeJSON
import EdgeWorker

/// A registered webhook.
struct WebhookTarget: Sendable {
    var id: String
    var url: String
    var events: [String]
    var secret: String?
}

/// Delivers one event to its targets: POST `{event, resource, environment, data, timestamp}` with
/// `X-Webhook-Signature: hex(HMAC-SHA256(secret, raw body))`, retried after each of `retryDelays`
/// on a non-2xx answer or a failure. Runs after the response, under `ctx.waitUntil`.
struct WebhookDelivery: Sendable {
    let fetch: @Sendable (Request) async throws -> Response
    let allowPrivate: Bool
    let retryDelays: [Double]
    let sleep: @Sendable (Double) async -> Void

    init(fetch: @escaping @Sendable (Request) async throws -> Response, allowPrivate: Bool,
         retryDelays: [Double] = [1, 5, 25],
         sleep: @escaping @Sendable (Double) async -> Void = { try? await Task.sleep(nanoseconds: UInt64($0 * 1e9)) }) {
        self.fetch = fetch
        self.allowPrivate = allowPrivate
        self.retryDelays = retryDelays
        self.sleep = sleep
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
        if let secret = target.secret { headers["X-Webhook-Signature"] = Self.signature(secret: secret, body: body) }
        let request = Request(method: "POST", target: target.url, headers: headers, body: body)
        for attempt in 0...retryDelays.count {
            if attempt > 0 { await sleep(retryDelays[attempt - 1]) }
            guard await WebhookURLPolicy.deliverable(target.url, allowPrivate: allowPrivate) else { return false }
            if let response = try? await fetch(request), (200..<300).contains(response.status) { return true }
        }
        return false
    }
}

/// Hex of a MAC without going through Foundation.
private struct Data32 {
    let hex: String
    init(_ code: HashedAuthenticationCode<SHA256>) {
        hex = code.map { String(format2: $0) }.joined()
    }
}
