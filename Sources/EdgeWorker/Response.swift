import EdgeJSON

/// What a worker answers. The body is bytes, a stream of chunks (server-sent events, large values),
/// or a WebSocket session the runner upgrades the connection to.
public struct Response: Sendable {
    /// What the runner sends after the head.
    public enum Body: Sendable {
        /// The whole body at once.
        case bytes([UInt8])
        /// Chunks sent as they come (chunked encoding), until the stream ends.
        case stream(AsyncStream<[UInt8]>)
        /// Upgrade the connection and hand it to this session.
        case webSocket(WebSocketSession)
    }

    /// The HTTP status code.
    public var status: Int
    /// The header fields; the runner sets the framing ones (`Content-Length`, `Connection`).
    public var headers: Headers
    /// The body: bytes, a stream or a WebSocket session.
    public var body: Body
    /// The route the worker answered from, for the runner's metrics; nil counts as `RouteTag.untagged`.
    public var route: RouteTag?

    /// A response with any kind of body.
    public init(status: Int = 200, headers: Headers = [:], body: Body = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A response whose body is these bytes.
    public init(status: Int = 200, headers: Headers = [:], bytes: [UInt8]) {
        self.init(status: status, headers: headers, body: .bytes(bytes))
    }

    /// A JSON response with `Content-Type: application/json`.
    public static func json(_ value: JSONValue, status: Int = 200, headers: Headers = [:]) -> Response {
        jsonBytes(value.serialized(), status: status, headers: headers)
    }

    /// A response whose body is JSON serialized elsewhere (straight into a buffer).
    public static func jsonBytes(_ bytes: [UInt8], status: Int = 200, headers: Headers = [:]) -> Response {
        var headers = headers
        if headers["Content-Type"] == nil { headers["Content-Type"] = "application/json" }
        return Response(status: status, headers: headers, body: .bytes(bytes))
    }

    /// A plain-text response (`text/plain; charset=utf-8` unless `headers` say otherwise).
    public static func text(_ text: String, status: Int = 200, headers: Headers = [:]) -> Response {
        var headers = headers
        if headers["Content-Type"] == nil { headers["Content-Type"] = "text/plain; charset=utf-8" }
        return Response(status: status, headers: headers, body: .bytes(Array(text.utf8)))
    }

    /// The body when it is plain bytes (tests, logs).
    public var bodyBytes: [UInt8]? {
        if case .bytes(let b) = body { return b }
        return nil
    }

    /// The body as UTF-8 text when it is plain bytes (tests, logs).
    public var bodyText: String? { bodyBytes.map { String(decoding: $0, as: UTF8.self) } }
}

/// A WebSocket conversation a worker accepts: the runner completes the upgrade, then hands the
/// session each text message and sends what the session writes.
public struct WebSocketSession: Sendable {
    /// Called once the connection is upgraded, with a way to send text frames and to close.
    public var onOpen: @Sendable (WebSocketOutbound) async -> Void
    /// Called for each text message from the client.
    public var onText: @Sendable (String, WebSocketOutbound) async -> Void
    /// Called once when the connection ends, whoever ended it.
    public var onClose: @Sendable () async -> Void

    /// A session; only `onText` is required.
    public init(onOpen: @escaping @Sendable (WebSocketOutbound) async -> Void = { _ in },
                onText: @escaping @Sendable (String, WebSocketOutbound) async -> Void,
                onClose: @escaping @Sendable () async -> Void = {}) {
        self.onOpen = onOpen
        self.onText = onText
        self.onClose = onClose
    }
}

/// The sending half of a WebSocket, given to a session by the runner.
public struct WebSocketOutbound: Sendable {
    /// Sends one text frame.
    public var sendText: @Sendable (String) -> Void
    /// Closes the connection (with a close frame).
    public var close: @Sendable () -> Void

    /// The sending half, as the runner makes it.
    public init(sendText: @escaping @Sendable (String) -> Void, close: @escaping @Sendable () -> Void) {
        self.sendText = sendText
        self.close = close
    }
}
