import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Synchronization
import Testing

/// A clock the test moves by hand (seconds since the epoch). Starts at 2026-01-15T10:30:00Z.
final class TestClock: Sendable {
    private let time = Mutex<Double>(1_768_473_000)
    var now: Double { time.withLock { $0 } }
    func advance(by seconds: Double) { time.withLock { $0 += seconds } }
}

/// Outbound requests a worker made (webhooks), answered by `status`.
final class FetchRecorder: Sendable {
    private let requests = Mutex<[Request]>([])
    private let statuses = Mutex<[Int]>([])
    var all: [Request] { requests.withLock { $0 } }
    /// Answers to give, in order; 200 once they run out.
    func answer(_ codes: [Int]) { statuses.withLock { $0 = codes } }
    private let held = Mutex<Bool>(false)
    /// Holds every fetch (before it is recorded) until `release`: shows what waits for a delivery.
    func hold() { held.withLock { $0 = true } }
    func release() { held.withLock { $0 = false } }
    func fetch(_ request: Request) async throws -> Response {
        while held.withLock({ $0 }) { try await Task.sleep(nanoseconds: 5_000_000) }
        requests.withLock { $0.append(request) }
        let status = statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
        return Response(status: status, bytes: [])
    }
}

struct APIResponse {
    var status: Int
    var json: JSONValue
    var headers: Headers
    var text: String
    subscript(key: String) -> JSONValue? { json[key] }
}

/// A FlagsWorker on a temporary store, with an admin token for the default project.
final class FlagsHarness: Sendable {
    let harness: WorkerHarness
    let clock = TestClock()
    let fetches = FetchRecorder()
    let admin: String

    init(vars: [String: JSONValue] = [:], secrets: [String: String] = [:]) async throws {
        let clock = self.clock, fetches = self.fetches
        var allVars = vars
        allVars["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] = allVars["WEBHOOKS_ALLOW_PRIVATE_TARGETS"] ?? "true"
        harness = try WorkerHarness(worker: FlagsWorker(), namespaces: FlagsWorker.bindings, vars: allVars, secrets: secrets, clock: { clock.now },
                                    fetch: { try await fetches.fetch($0) })
        admin = try await FlagsWorker.createToken(env: harness.env, projectID: "default", name: "admin", permissions: ["*"],
                                                  expiresAt: nil).token
    }

    var env: Env { harness.env }

    /// The worker's shared state (its caches).
    var service: Service { try! (harness.worker as! FlagsWorker).service(env: env) }

    @discardableResult
    func call(_ method: String, _ path: String, token: String? = nil, body: String? = nil,
              headers: Headers = [:]) async -> APIResponse {
        var allHeaders = headers
        if let token = token ?? (headers["Authorization"] == nil ? admin : nil) {
            allHeaders["Authorization"] = "Bearer \(token)"
        }
        if body != nil { allHeaders["Content-Type"] = "application/json" }
        let response = await harness.dispatch(Request(method: method, target: path, headers: allHeaders,
                                                      body: Array((body ?? "").utf8)))
        let bytes = response.bodyBytes ?? []
        return APIResponse(status: response.status, json: (try? JSONValue.parse(bytes)) ?? .null,
                           headers: response.headers, text: String(decoding: bytes, as: UTF8.self))
    }

    func call(_ method: String, _ path: String, token: String? = nil, json: JSONValue) async -> APIResponse {
        await call(method, path, token: token, body: json.jsonString)
    }

    /// A token with exactly these permissions.
    func token(_ permissions: [String], name: String = "t", expiresAt: String? = nil) async throws -> String {
        try await FlagsWorker.createToken(env: env, projectID: "default", name: name, permissions: permissions,
                                          expiresAt: expiresAt).token
    }

    @discardableResult
    func createFlag(_ record: JSONValue) async -> APIResponse {
        let response = await call("POST", "/api/v1/flags", json: record)
        #expect(response.status == 201, "creating \(record): \(response.text)")
        return response
    }

    /// `GET /api/v1/flags/{key}?context=…` → (value, reason).
    func evaluate(_ key: String, _ context: JSONValue = [:], token: String? = nil) async -> (JSONValue?, String?) {
        let encoded = context.jsonString.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let response = await call("GET", "/api/v1/flags/\(key)?context=\(encoded)", token: token)
        return (response["value"], response["reason"]?.stringValue)
    }
}

/// A WebSocket's sending half that records what the server sent.
final class RecordingOutbound: Sendable {
    private let texts = Mutex<[String]>([])
    private let closed = Mutex(false)
    var messages: [JSONValue] { texts.withLock { $0 }.compactMap { try? JSONValue.parse($0) } }
    var outbound: WebSocketOutbound {
        WebSocketOutbound(sendText: { [self] text in texts.withLock { $0.append(text) } },
                          close: { [self] in closed.withLock { $0 = true } })
    }

    /// Waits up to `timeout` seconds for a message satisfying `match`.
    func wait(timeout: Double = 2, _ match: (JSONValue) -> Bool) async -> JSONValue? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let found = messages.first(where: match) { return found }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return nil
    }
}
