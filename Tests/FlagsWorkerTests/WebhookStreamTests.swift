import Crypto
import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Foundation
import Synchronization
import Testing

@Suite("EdgeFlags §7: webhooks")
struct WebhookTests {
    @Test(.timeLimit(.minutes(1))) // a delivery made before the answer would hold it for ever
    func aFlagChangeIsDeliveredAfterTheResponseWithAVerifiableSignature() async throws {
        let api = try await FlagsHarness()
        let registered = await api.call("POST", "/api/v1/webhooks", json: [
            "url": "http://127.0.0.1:9/hook", "events": ["flag.created", "flag.deleted"], "secret": "s3cret"])
        #expect(registered.status == 201)
        #expect(registered["has_secret"] == true)
        #expect(registered["secret"] == nil)
        // Deliveries held back: the answers come all the same, and nothing has been delivered yet.
        api.fetches.hold()
        await api.createFlag(["key": "f", "enabled": true])
        _ = await api.call("PUT", "/api/v1/flags/f", json: ["enabled": false])  // not subscribed
        #expect(api.fetches.all.isEmpty)
        api.fetches.release()
        await api.harness.settle()
        let delivered = api.fetches.all
        #expect(delivered.count == 1)
        let request = try #require(delivered.first)
        #expect(request.target == "http://127.0.0.1:9/hook")
        let body = try JSONValue.parse(request.body)
        #expect(body["event"] == "flag.created")
        #expect(body["resource"] == "f")
        #expect(body["data"]?["enabled"] == true)
        #expect(body["timestamp"] == "2026-01-15T10:30:00.000Z")
        let expected = HMAC<SHA256>.authenticationCode(for: request.body, using: SymmetricKey(data: Array("s3cret".utf8)))
        #expect(request.headers["X-Webhook-Signature"] == expected.map { String(format2: $0) }.joined())
    }

    @Test func failedDeliveriesAreRetriedWithBackoffThenGivenUp() async throws {
        let recorder = FetchRecorder()
        recorder.answer([500, 503])
        let slept = Mutex<[Double]>([])
        let delivery = WebhookDelivery(fetch: { try await recorder.fetch($0) }, allowPrivate: true,
                                       sleep: { seconds in slept.withLock { $0.append(seconds) } })
        let target = WebhookTarget(id: "wh", url: "http://127.0.0.1:9/", events: ["flag.created"], secret: nil)
        #expect(await delivery.deliver(Array("{}".utf8), event: "flag.created", to: target))
        #expect(recorder.all.count == 3)
        #expect(slept.withLock { $0 } == [1, 5])

        let failing = FetchRecorder()
        failing.answer([500, 500, 500, 500, 500])
        let giveUp = WebhookDelivery(fetch: { try await failing.fetch($0) }, allowPrivate: true, sleep: { _ in })
        #expect(await giveUp.deliver(Array("{}".utf8), event: "flag.created", to: target) == false)
        #expect(failing.all.count == 4)
    }

    static let refused = [
        "http://example.com/hook", "https://127.0.0.1/", "https://10.1.2.3/", "https://172.16.0.1/", "https://192.168.1.1/",
        "https://169.254.169.254/latest/meta-data", "https://0.0.0.0/", "https://[::1]/", "https://[fe80::1]/",
        "https://[fd00::1]/", "https://[::ffff:127.0.0.1]/", "https://2130706433/", "https://0x7f.1/", "https://017700000001/",
        "https://100.64.0.1/", "https://localhost/", "https://api.localhost/", "https://user@127.0.0.1:8443/x", "ftp://x/",
        // Not URLs at all (schemathesis registered "https://\u{84}"): control characters, Unicode, no host.
        "https://\u{84}", "https://b\u{FC}cher.example/", "https:///hook", "https://exa mple.com/", "https://a\u{7F}b.com/",
    ]

    @Test(arguments: refused)
    func privateAndNonHTTPSTargetsAreRefused(url: String) async {
        #expect(await WebhookURLPolicy.check(url, allowPrivate: false) != nil, "\(url)")
    }

    @Test func publicHTTPSTargetsAreAcceptedAndTheOperatorSwitchAllowsPrivateOnes() async {
        #expect(await WebhookURLPolicy.check("https://93.184.215.14/hook", allowPrivate: false) == nil)
        #expect(await WebhookURLPolicy.check("https://[2606:4700::1111]/hook", allowPrivate: false) == nil)
        #expect(await WebhookURLPolicy.check("http://127.0.0.1:8080/hook", allowPrivate: true) == nil)
        #expect(await WebhookURLPolicy.check("ftp://127.0.0.1/", allowPrivate: true) != nil)
    }

    @Test func aSlowNameLookupDoesNotHoldTheCallersThread() async {
        // getaddrinfo waiting out a lost DNS answer held an event loop for 5 s, stalling its connections.
        // One more blocking lookup than the pool has threads would starve it, were they run inline:
        // the last caller could then begin only after a lookup had ended. So every caller must have
        // begun while no lookup has ended (each takes 5 s).
        final class Count: Sendable { let value = Mutex(0) }
        let lookupsDone = Count(), callersBegun = Count()
        let slow: WebhookURLPolicy.Resolver = { _ in
            usleep(5_000_000)
            lookupsDone.value.withLock { $0 += 1 }
            return []
        }
        let callers = ProcessInfo.processInfo.activeProcessorCount + 1
        for _ in 0..<callers {
            Task {
                callersBegun.value.withLock { $0 += 1 }
                _ = await WebhookURLPolicy.check("https://slow.example/", allowPrivate: false, resolve: slow, lookupSeconds: 10)
            }
        }
        let deadline = Date().addingTimeInterval(30)
        while callersBegun.value.withLock({ $0 }) < callers && Date() < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        #expect(callersBegun.value.withLock { $0 } == callers)
        #expect(lookupsDone.value.withLock { $0 } == 0)
    }

    @Test func registrationDoesNotWaitOutASlowNameLookupButEveryDeliveryDoes() async {
        let privateName: WebhookURLPolicy.Resolver = { _ in [WebhookURLPolicy.mapped([10, 0, 0, 1])] }
        let slowPrivateName: WebhookURLPolicy.Resolver = { _ in
            usleep(5_000_000)
            return [WebhookURLPolicy.mapped([10, 0, 0, 1])]
        }
        #expect(await WebhookURLPolicy.check("https://hooks.example/", allowPrivate: false, resolve: privateName)
                == WebhookURLPolicy.privateMessage)
        let start = ContinuousClock.now
        #expect(await WebhookURLPolicy.check("https://hooks.example/", allowPrivate: false, resolve: slowPrivateName,
                                             lookupSeconds: 0.1) == nil)
        #expect(ContinuousClock.now - start < .seconds(4))
        #expect(await WebhookURLPolicy.deliverable("https://hooks.example/", allowPrivate: false, resolve: slowPrivateName) == false)
    }

    @Test func registrationRefusesPrivateTargetsUnlessAllowed() async throws {
        let api = try await FlagsHarness(vars: ["WEBHOOKS_ALLOW_PRIVATE_TARGETS": "false"])
        let refused = await api.call("POST", "/api/v1/webhooks", json: ["url": "https://127.0.0.1/", "events": ["flag.created"]])
        #expect(refused.status == 400)
        #expect(refused["error"] == "Webhook URL points to a private or loopback address")
        let badEvent = await api.call("POST", "/api/v1/webhooks", json: ["url": "https://93.184.215.14/", "events": ["flag.eaten"]])
        #expect(badEvent.status == 400)
        let listed = await api.call("GET", "/api/v1/webhooks")
        #expect(listed["webhooks"] == [])
    }
}

@Suite("EdgeFlags §9: streams")
struct StreamTests {
    func open(_ api: FlagsHarness, _ path: String, token: String? = nil) async throws -> (WebSocketSession, RecordingOutbound) {
        let response = await api.harness.dispatch(Request(method: "GET", target: path,
                                                          headers: ["Upgrade": "websocket", "Connection": "Upgrade",
                                                                    "Authorization": "Bearer \(token ?? api.admin)"]))
        #expect(response.status == 101)
        guard case .webSocket(let session) = response.body else { throw TestFailure("not a WebSocket response") }
        let outbound = RecordingOutbound()
        await session.onOpen(outbound.outbound)
        return (session, outbound)
    }

    @Test func subscriberGetsASnapshotThenADiffWithinOneSecondOfAChange() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "a", "enabled": true, "value": "one"])
        await api.createFlag(["key": "b", "enabled": true, "value": "same"])
        let (session, socket) = try await open(api, "/stream/flags", token: try await api.token(["read:flags"]))
        await session.onText(#"{"type":"subscribe","context":{"user_id":"u1"}}"#, socket.outbound)
        let snapshot = await socket.wait { $0["type"] == "snapshot" }
        #expect(snapshot?["flags"] == ["a": "one", "b": "same"])
        #expect(snapshot?["configs"] == [:])
        _ = await api.call("PUT", "/api/v1/flags/a", json: ["value": "two"])
        let diff = await socket.wait(timeout: 1) { $0["type"] == "diff" }
        #expect(diff?["changes"] == [["type": "flag", "kind": "flag", "key": "a", "value": "two"]])
        await session.onText(#"{"type":"ping"}"#, socket.outbound)
        #expect(await socket.wait { $0["type"] == "pong" } != nil)
        await session.onText("not json", socket.outbound)
        #expect(await socket.wait { $0["type"] == "error" }?["code"] == "VALIDATION_ERROR")
        await session.onClose()
        #expect(api.harness.worker is FlagsWorker)
    }

    @Test func configsNeedReadConfigsAndARemovedKeyComesWithoutAValue() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "gone", "enabled": true, "value": "here"])
        #expect(await api.call("POST", "/api/v1/configs", json: ["key": "limits", "value": 5]).status == 201)
        let (flagsOnly, flagsSocket) = try await open(api, "/stream/flags", token: try await api.token(["read:flags"]))
        await flagsOnly.onText(#"{"type":"subscribe","context":{"user_id":"u1"}}"#, flagsSocket.outbound)
        #expect(await flagsSocket.wait { $0["type"] == "snapshot" }?["configs"] == [:])  // as POST /api/v1/evaluate
        let (both, socket) = try await open(api, "/stream/flags", token: try await api.token(["read:flags", "read:configs"]))
        await both.onText(#"{"type":"subscribe","context":{"user_id":"u1"}}"#, socket.outbound)
        #expect(await socket.wait { $0["type"] == "snapshot" }?["configs"] == ["limits": 5])
        #expect(await api.call("DELETE", "/api/v1/flags/gone").status == 200)
        // No "value": null for an SDK to store and serve instead of its default.
        #expect(await socket.wait(timeout: 1) { $0["type"] == "diff" }?["changes"] ==
                [["type": "flag", "kind": "flag", "key": "gone", "deleted": true]])
        await flagsOnly.onClose()
        await both.onClose()
    }

    @Test func updateContextSendsANewSnapshot() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "pro", "enabled": true, "targeting": ["rules": [[
            "conditions": [["property": "plan", "operator": "equals", "value": "pro"]], "value": true]]]])
        let (session, socket) = try await open(api, "/stream/flags")
        await session.onText(#"{"type":"subscribe","context":{"plan":"free"}}"#, socket.outbound)
        #expect(await socket.wait { $0["type"] == "snapshot" }?["flags"]?["pro"] == false)
        await session.onText(#"{"type":"update-context","context":{"plan":"pro"}}"#, socket.outbound)
        #expect(await socket.wait { $0["type"] == "snapshot" && $0["flags"]?["pro"] == true } != nil)
        await session.onClose()
    }

    @Test func aBadSubscriptionGetsAnErrorMessageLikeTheHTTPAnswer() async throws {
        let api = try await FlagsHarness()
        let (session, socket) = try await open(api, "/stream/flags")
        let huge = JSONValue.object(["type": "subscribe", "context": ["custom": ["a": .string(String(repeating: "x", count: 70_000))]]])
        await session.onText(huge.jsonString, socket.outbound)
        #expect(await socket.wait { $0["type"] == "error" } ==
                ["type": "error", "code": "PAYLOAD_TOO_LARGE", "error": "Evaluation context exceeds 64 KB",
                 "message": "Evaluation context exceeds 64 KB"])
        await session.onText(#"{"type":"subscribe","env":5,"context":{}}"#, socket.outbound)
        #expect(await socket.wait { $0["code"] == "VALIDATION_ERROR" }?["error"] == "Invalid field type: env must be a string")
        #expect(socket.messages.allSatisfy { $0["type"] == "error" })
        await session.onClose()
    }

    @Test func streamsNeedTheirPermissionAndAnUpgrade() async throws {
        let api = try await FlagsHarness()
        let configsOnly = try await api.token(["read:configs"])
        #expect(await api.call("GET", "/stream/flags", token: configsOnly, headers: ["Upgrade": "websocket"]).status == 403)
        #expect(await api.call("GET", "/stream/tail", token: try await api.token(["read:flags"]),
                               headers: ["Upgrade": "websocket"]).status == 403)
        #expect(await api.call("GET", "/stream/flags").status == 426)
        // The token may come in the query string.
        let viaQuery = await api.harness.dispatch(Request(method: "GET", target: "/stream/flags?token=\(api.admin)",
                                                          headers: ["Upgrade": "websocket"]))
        #expect(viaQuery.status == 101)
    }

    @Test func tailSendsTheLast50EvaluationsOnConnectThenLiveOnes() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true])
        for i in 0..<60 { _ = await api.evaluate("f", ["user_id": .string("u\(i)")]) }
        let (session, socket) = try await open(api, "/stream/tail")
        let recent = socket.messages
        #expect(recent.count == 50)
        #expect(recent.allSatisfy { $0["type"] == "evaluation" && $0["flag"] == "f" && $0["reason"] == "default" })
        #expect(recent.first?["actor"]?.stringValue?.hasSuffix("...") == true)
        _ = await api.call("POST", "/api/v1/evaluate", json: ["context": [:]])
        #expect(await socket.wait { _ in socket.messages.count == 51 } != nil)
        await session.onClose()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
