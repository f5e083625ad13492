import EdgeJSON
@testable import EdgeServer
import EdgeWorker
import Foundation
import NIOPosix
import Synchronization
import Testing

/// A worker with one route per runner behaviour under test.
struct ProbeWorker: Worker {
    let finishedBackgroundWork: Flag

    /// `/now` is answered without a task, as the flag service answers its hot routes; so is `/big`,
    /// 8 KB for a 30-byte request.
    func immediateResponse(to request: Request, env: Env, ctx: ExecutionContext) -> Response? {
        switch request.path {
        case "/now": return .text("now \(request.queryParameter("q") ?? "-")")
        case "/big": return Response(status: 200, bytes: ProbeWorker.big)
        default: return nil
        }
    }

    static let big = [UInt8](repeating: UInt8(ascii: "b"), count: 8192)

    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        switch request.path {
        case "/hello":
            return .text("hello")
        case "/echo":
            return .text("\(request.method) \(request.body.count) \(request.queryParameter("q") ?? "-")")
        case "/held":
            // Answered when the test says so (`HeldAnswers.release`), not after a guessed delay.
            let id = request.queryParameter("id") ?? ""
            HeldAnswers.arrived(id)
            await HeldAnswers.gate(id).wait()
            return .text("held done")
        case "/throw":
            struct Secret: Error {}
            throw Secret()
        case "/stream":
            let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
            Task {
                for i in 0..<3 {
                    continuation.yield(Array("data: \(i)\n\n".utf8))
                    try? await Task.sleep(nanoseconds: 20_000_000)
                }
                continuation.finish()
            }
            return Response(status: 200, headers: ["Content-Type": "text/event-stream"], body: .stream(stream))
        case "/split":
            // A header value a careless worker copied from user input: must never reach the wire.
            return Response(status: 200, headers: ["X-Echo": "a\r\nSet-Cookie: evil=1"], bytes: Array("no".utf8))
        case "/framing":
            // The runner owns framing: a worker's own Content-Length or Connection is replaced.
            return Response(status: 200, headers: ["Content-Length": "999", "Connection": "upgrade"], bytes: Array("ok".utf8))
        case "/ws":
            return Response(status: 101, body: .webSocket(WebSocketSession(
                onOpen: { outbound in outbound.sendText("hello") },
                onText: { text, outbound in
                    switch text {
                    case "push":
                        // Sent from another task once this callback has returned: a push, not a reply.
                        let returned = Gate()
                        defer { returned.open() }
                        Task {
                            await returned.wait()
                            outbound.sendText("pushed")
                        }
                    case "bye":
                        outbound.close()
                    default:
                        outbound.sendText("echo: \(text)")
                    }
                },
                onClose: { WebSocketProbe.closed(request.queryParameter("session") ?? "") })))
        case "/client":
            return .text("\(request.client.ip) \(request.client.scheme)")
        case "/forever":
            // A stream with no end of its own, as server-sent events are: one event, then silence.
            let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
            continuation.yield(Array("event: connected\ndata: {}\n\n".utf8))
            continuation.onTermination = { _ in StreamProbe.ended.store(true, ordering: .relaxed) }
            return Response(status: 200, headers: ["Content-Type": "text/event-stream"], body: .stream(stream))
        default:
            return .json(["error": "Not found"], status: 404)
        }
    }
}

/// The gates of `/held?id=…` requests, by id (tests of other suites use the probe meanwhile).
enum HeldAnswers {
    private static let gates = Mutex<[String: Gate]>([:])
    private static let arrivals = Mutex<Set<String>>([])

    static func gate(_ id: String) -> Gate {
        gates.withLock { gates in
            if let gate = gates[id] { return gate }
            let gate = Gate()
            gates[id] = gate
            return gate
        }
    }

    static func arrived(_ id: String) { _ = arrivals.withLock { $0.insert(id) } }
    static func hasArrived(_ id: String) -> Bool { arrivals.withLock { $0.contains(id) } }
    static func release(_ id: String) { gate(id).open() }
}

enum WebSocketProbe {
    /// How many times `onClose` ran, per `?session=` (tests of other suites open sessions meanwhile).
    private static let closes = Mutex<[String: Int]>([:])
    static func closed(_ session: String) { closes.withLock { $0[session, default: 0] += 1 } }
    static func closes(of session: String) -> Int { closes.withLock { $0[session] ?? 0 } }
}

enum StreamProbe {
    /// Whether the producer of `/forever` saw its stream end.
    static let ended = Atomic<Bool>(false)
}

final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .relaxed) }
    var isSet: Bool { value.load(ordering: .relaxed) }
}

/// Starts an in-process runner on a free loopback port and stops it afterwards.
func withRunner(_ configure: (inout ServerSettings) -> Void = { _ in },
                _ body: (EdgeServer, Int, Flag) async throws -> Void) async throws {
    var settings = ServerSettings()
    settings.port = 0
    settings.accessLog = "off"
    settings.shutdownGraceSeconds = 3
    configure(&settings)
    let flag = Flag()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let server = EdgeServer(worker: ProbeWorker(finishedBackgroundWork: flag), env: Env(), settings: settings, group: group)
    let port = try await server.start()
    do {
        try await body(server, port, flag)
    } catch {
        await server.shutdown()
        try await group.shutdownGracefully()
        throw error
    }
    await server.shutdown()
    try await group.shutdownGracefully()
}

@Suite("Runner: HTTP/1.1 connection handling", .serialized)
struct RunnerTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            for i in 0..<3 {
                try client.send("GET /echo?q=\(i) HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try #require(await client.readResponse())
                #expect(response.status == 200)
                #expect(response.text == "GET 0 \(i)")
            }
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /echo?q=a HTTP/1.1\r\nHost: x\r\n\r\nGET /echo?q=b HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo?q=c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
            #expect(await client.readResponse()?.text == "GET 0 a")
            #expect(await client.readResponse()?.text == "GET 0 b")
            #expect(await client.readResponse()?.text == "POST 3 c")
        }
    }

    @Test func manyPipelinedRequestsBeyondTheQueueAreAllAnswered() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            let count = 40
            try client.send((0..<count).map { "GET /echo?q=\($0) HTTP/1.1\r\nHost: x\r\n\r\n" }.joined())
            for i in 0..<count {
                #expect(await client.readResponse()?.text == "GET 0 \(i)")
            }
        }
    }

    @Test func http10KeepAliveIsAnsweredWithKeepAlive() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let first = try #require(await client.readResponse())
            #expect(first.headers["connection"]?.lowercased() == "keep-alive")
            try client.send("GET /hello HTTP/1.0\r\n\r\n")
            let second = try #require(await client.readResponse())
            #expect(second.text == "hello")
            #expect(await client.isClosedByPeer())
        }
    }

    @Test func headerValueWithCRLFBecomesA500AndIsNotSplit() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /split HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(await client.readResponse())
            #expect(response.status == 500)
            #expect(response.headers["set-cookie"] == nil)
            // The connection is still usable.
            try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.readResponse()?.text == "hello")
        }
    }

    @Test func workerFramingHeadersAreReplacedByTheRunners() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /framing HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(await client.readResponse())
            #expect(response.headers["content-length"] == "2")
            #expect(response.headers["connection"] == nil)
            #expect(response.text == "ok")
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            let response = try #require(await client.readResponse())
            #expect(response.status == 200)
            #expect(response.headers["connection"] == "close")
            #expect(await client.isClosedByPeer())
        }
    }

    @Test func declaredBodyOverTheLimitIs413BeforeItIsRead() async throws {
        try await withRunner({ $0.maxBodyBytes = 1024 }) { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000000\r\n\r\n")
            let response = try #require(await client.readResponse())
            #expect(response.status == 413)
            let body = try JSONValue.parse(response.body)
            #expect(body["code"] == "PAYLOAD_TOO_LARGE")
            #expect(await client.isClosedByPeer())
        }
    }

    @Test func chunkedBodyOverTheLimitIs413() async throws {
        try await withRunner({ $0.maxBodyBytes = 1024 }) { _, port, _ in
            let client = try RawHTTPClient(port: port)
            let chunk = String(repeating: "a", count: 800)
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n0\r\n\r\n")
            #expect(await client.readResponse()?.status == 413)
        }
    }

    @Test func bodyAtTheLimitIsAccepted() async throws {
        try await withRunner({ $0.maxBodyBytes = 1024 }) { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + String(repeating: "b", count: 1024))
            #expect(await client.readResponse()?.text == "POST 1024 -")
        }
    }

    @Test func expectContinueIsAnsweredBeforeTheBodyIsSent() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            // curl waits a whole second for this before it sends the body anyway.
            #expect(await client.readResponse(timeout: 0.5)?.status == 100)
            try client.send("hello")
            #expect(await client.readResponse()?.text == "POST 5 -")
        }
    }

    @Test func requestLineAndHeadersOverTheParserLimitAre431NotMalformed() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            // Over llhttp's 80 KB for the request line and header fields together, without a line end.
            try client.send("GET /echo?q=" + String(repeating: "a", count: 82 * 1024))
            let response = try #require(await client.readResponse())
            #expect(response.status == 431)
            // The request id the runner made for it names it in the body as in the header.
            let id = try #require(response.headers["x-request-id"])
            #expect(try JSONValue.parse(response.body) ==
                    ["error": "Request line and header fields too large", "code": "HEADERS_TOO_LARGE", "request_id": .string(id)])
        }
    }

    @Test func malformedRequestIs400WithAJSONBody() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("THIS IS NOT HTTP\r\n\r\n")
            let response = try #require(await client.readResponse())
            #expect(response.status == 400)
            #expect(try JSONValue.parse(response.body)["error"] != nil)
            #expect(await client.isClosedByPeer())
        }
    }

    @Test func oversizedHeadersAre431() async throws {
        try await withRunner({ $0.maxHeaderBytes = 2048 }) { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "z", count: 4096))\r\n\r\n")
            #expect(await client.readResponse()?.status == 431)
        }
    }

    @Test func workerErrorBecomesGeneric500() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(await client.readResponse())
            #expect(response.status == 500)
            #expect(!response.text.contains("Secret"))
            // The connection survives a worker error.
            try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await client.readResponse()?.text == "hello")
        }
    }

    @Test func streamingBodyIsSentChunked() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(await client.readResponse())
            #expect(response.headers["transfer-encoding"] == "chunked")
            #expect(response.text == "data: 0\n\ndata: 1\n\ndata: 2\n\n")
        }
    }

    @Test func headRequestGetsHeadersWithoutBody() async throws {
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try #require(await client.readResponse(headRequest: true))
            #expect(head.headers["content-length"] == "5")
            #expect(await client.readResponse()?.text == "hello")
        }
    }

    @Test func slowClientGets408AndDoesNotStarveOthers() async throws {
        try await withRunner({ $0.requestTimeoutSeconds = 1 }) { _, port, _ in
            let slow = try RawHTTPClient(port: port)
            try slow.send("GET /hello HTTP/1.1\r\nHost: x\r\n")
            for _ in 0..<3 {
                let other = try RawHTTPClient(port: port)
                try other.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(await other.readResponse()?.text == "hello")
            }
            // Trickling bytes does not extend the deadline.
            try? slow.send("X-A: 1\r\n")
            let response = try #require(await slow.readResponse(timeout: 3))
            #expect(response.status == 408)
            #expect(await slow.isClosedByPeer())
        }
    }

    @Test func anUnfinishedRequestPipelinedBehindACompleteOneGets408() async throws {
        try await withRunner({ $0.requestTimeoutSeconds = 1 }) { _, port, _ in
            let client = try RawHTTPClient(port: port)
            // One read: a whole request, then the head of a second whose body never comes.
            try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n")
            #expect(await client.readResponse()?.text == "hello")
            let response = try #require(await client.readResponse(timeout: 5))
            #expect(response.status == 408)
            #expect(await client.isClosedByPeer())
        }
    }

    @Test func connectionsBeyondTheCapAreRefused() async throws {
        try await withRunner({ $0.maxConnections = 2 }) { server, port, _ in
            let a = try RawHTTPClient(port: port)
            let b = try RawHTTPClient(port: port)
            try a.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            try b.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(await a.readResponse() != nil)
            #expect(await b.readResponse() != nil)
            let c = try RawHTTPClient(port: port)
            #expect(await c.isClosedByPeer())
            #expect(server.openConnections == 2)
        }
    }

    @Test func trustedProxyForwardedForIsBelieved() async throws {
        try await withRunner({ $0.trustedProxies = ["127.0.0.1"] }) { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /client HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.2.3.4, 203.0.113.9\r\nX-Forwarded-Proto: https\r\n\r\n")
            #expect(await client.readResponse()?.text == "203.0.113.9 https")
        }
        try await withRunner { _, port, _ in
            let client = try RawHTTPClient(port: port)
            try client.send("GET /client HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n")
            #expect(await client.readResponse()?.text == "127.0.0.1 http")
        }
    }
}

@Suite("Access log: credentials in the URL")
struct AccessLogRedactionTests {
    @Test func credentialQueryParametersAreRedacted() {
        #expect(AccessLog.redacted("/stream/flags?token=ff_defa_k1a2b3c4d5e6f7g8h9i0") == "/stream/flags?token=[redacted]")
        #expect(AccessLog.redacted("/v1/stream/production?api_key=fs_srv_0123&x=1") == "/v1/stream/production?api_key=[redacted]&x=1")
        // Names as a worker reads them: any case, percent-encoded.
        #expect(AccessLog.redacted("/s?TOKEN=abc") == "/s?TOKEN=[redacted]")
        #expect(AccessLog.redacted("/s?t%6Fken=abc&a=b") == "/s?t%6Fken=[redacted]&a=b")
    }

    @Test func otherTargetsAreLoggedAsSent() {
        #expect(AccessLog.redacted("/api/v1/flags/x?context=%7B%7D") == "/api/v1/flags/x?context=%7B%7D")
        #expect(AccessLog.redacted("/v1/client/production/flags?key=user-1") == "/v1/client/production/flags?key=user-1")
        #expect(AccessLog.redacted("/health") == "/health")
        #expect(AccessLog.redacted("/s?token") == "/s?token")
    }
}
