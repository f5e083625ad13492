import Crypto
import EdgePlatform
import EdgeWorker
import Foundation
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// Turns one connection's HTTP parts into `Request`s, calls the worker, and writes each `Response`
/// back. It owns only connection concerns: body and header limits, keep-alive and pipelining, the
/// per-request deadline, streaming bodies, and a generic 500 for anything a worker throws.
///
/// Pipelined requests wait in a short queue and are answered in order. Reading stops only when that
/// queue is full: NIO's `HTTPServerPipelineHandler` instead stops reading whenever a response is
/// outstanding, which costs two `epoll_ctl` calls per request on a keep-alive connection.
final class HTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// A request read in full (or refused early) and waiting for its turn.
    private enum Pending {
        case request(HTTPRequestHead, ByteBuffer?)
        case rejection(HTTPRequestHead, HTTPResponseStatus, String)
    }

    private enum Receiving {
        case idle
        case request(HTTPRequestHead, ByteBuffer?)
        /// The request was refused early (413, 431); everything after it on this connection is dropped.
        case rejected
    }

    /// Pipelined requests held before reading pauses.
    private static let maxQueued = 16
    /// Pipelined requests held at most: what one read brings beyond this (a client that sends
    /// without reading) is refused with a 503, and the connection closes after the answers before it.
    static let maxBacklog = 1024

    private let app: ServerContext
    private let timeouts: ConnectionTimeouts
    /// The request decoder before this handler; removed on a WebSocket upgrade.
    private let decoder: ByteToMessageHandler<HTTPRequestDecoder>
    private var receiving = Receiving.idle
    private var queue = CircularBuffer<Pending>(initialCapacity: 4)
    private var responding = false
    private var readHeld = false
    /// The channel's writability, kept here so the per-request check is a load of a field.
    private var writable = true
    /// Set while `startQueued` runs, so an answer given synchronously does not start the next one
    /// from inside itself (a long queue would otherwise recurse once per request).
    private var startingQueued = false
    /// When the channel last became unwritable; nil while it is writable.
    private var stalledSince: NIODeadline?
    /// Whether this connection ever held a backlog of unsent answers.
    private var backlogged = false
    /// The task writing a streamed body, while there is one: a shutdown ends it.
    private var streamPump: Task<Void, Never>?
    private var quiescing = false
    /// The client shut its side of the connection: answer what it sent, then close.
    private var inputClosed = false
    private var peer = "unknown"
    /// The channel's event loop's flusher (nil: each answer is flushed at once).
    private let flusher: TickFlusher?
    /// The channel's event loop's counters by route.
    private let routeCounters: RouteCounterCache?

    init(app: ServerContext, timeouts: ConnectionTimeouts, decoder: ByteToMessageHandler<HTTPRequestDecoder>,
         flusher: TickFlusher?, routeCounters: RouteCounterCache? = nil) {
        self.app = app
        self.timeouts = timeouts
        self.decoder = decoder
        self.flusher = flusher
        self.routeCounters = routeCounters ?? RouteCounterCache(metrics: app.metrics)
    }

    func channelActive(context: ChannelHandlerContext) {
        peer = Self.address(context.channel.remoteAddress)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = receiving else { return }
            timeouts.requestBegan()
            // One pass over the fields: their size, and the two whose framing rules llhttp leaves lax
            // (a length switch, so most names cost one comparison).
            var headerBytes = 0, hosts = 0, transferEncodings = 0
            var onlyChunked = true
            for (name, value) in head.headers {
                headerBytes += name.utf8.count + value.utf8.count + 4
                switch name.utf8.count {
                case 4 where Headers.equal(name, "host"):
                    hosts += 1
                case 17 where Headers.equal(name, "transfer-encoding"):
                    transferEncodings += 1
                    if !Headers.equal(value, "chunked") { onlyChunked = false }
                default:
                    break
                }
            }
            if headerBytes > app.settings.maxHeaderBytes {
                reject(context: context, head: head, status: .init(statusCode: 431),
                       message: "Request header fields too large")
                return
            }
            if let refusal = Self.framingRefusal(head, hosts: hosts, transferEncodings: transferEncodings,
                                                 onlyChunked: onlyChunked) {
                reject(context: context, head: head, status: refusal.status, message: refusal.message)
                return
            }
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > app.settings.maxBodyBytes {
                reject(context: context, head: head, status: .payloadTooLarge, message: Self.tooLarge(app.settings))
                return
            }
            receiving = .request(head, nil)
            if Self.expectsContinue(head), !responding, queue.isEmpty {
                // The client holds its body back until told to go on (curl waits a whole second otherwise).
                // Only when nothing else is on the wire: an interim response must not split another one.
                var interim = context.channel.allocator.buffer(capacity: 25)
                interim.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
                context.writeAndFlush(wrapOutboundOut(interim), promise: nil)
            }

        case .body(var chunk):
            guard case .request(let head, var body) = receiving else { return }
            let size = (body?.readableBytes ?? 0) + chunk.readableBytes
            if size > app.settings.maxBodyBytes {
                reject(context: context, head: head, status: .payloadTooLarge, message: Self.tooLarge(app.settings))
                return
            }
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
            receiving = .request(head, body)

        case .end:
            guard case .request(let head, let body) = receiving else { return }
            receiving = .idle
            timeouts.requestComplete()
            enqueue(.request(head, body), context: context)
        }
    }

    /// Holds the next read while the pipelining queue is full or the answers already written have
    /// not drained below the write buffer's high-water mark: a client that sends and never reads
    /// then costs the server a bounded buffer, not whatever it manages to send.
    func read(context: ChannelHandlerContext) {
        if queue.count >= Self.maxQueued || !writable {
            readHeld = true
        } else {
            context.read()
        }
    }

    /// Writability follows the channel's unsent bytes across `[server] max_unsent_bytes` (its high
    /// water mark) and half of it. Unwritable, requests wait in the queue and reading stops; writable
    /// again, the queue is answered and reading resumes.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        if writable {
            stalledSince = nil
            startQueued(context: context)
            if readHeld && queue.count < Self.maxQueued {
                readHeld = false
                context.read()
            }
        } else {
            stalledSince = context.eventLoop.now
            backlogged = true
        }
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Freed buffers of a connection that held a backlog go back to the kernel, not just to malloc.
        if backlogged { HeapTrim.soon() }
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // A keep-alive connection with nothing in flight has been quiet too long; so has one whose
            // client has not taken its answers (nothing drained below the high-water mark) for as long.
            if isIdle || stalledSince.map({ context.eventLoop.now - $0 >= timeouts.idleTimeout }) == true {
                close(context: context)
            }
            return
        }
        if event is ChannelShouldQuiesceEvent {
            // Graceful shutdown: an idle connection closes now, a busy one after its current response,
            // and a streamed body (server-sent events) ends now with its last chunk, as a WebSocket
            // gets its 1001 at once: a stream has no end of its own to wait for.
            quiescing = true
            if isIdle { close(context: context) }
            streamPump?.cancel()
            return
        }
        if let event = event as? ChannelEvent, event == .inputClosed {
            // Nothing more can arrive: a request still incomplete never will be. One in flight or
            // queued is answered first (`finish` closes after the last).
            inputClosed = true
            if !responding && queue.isEmpty { close(context: context) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// Malformed HTTP (llhttp's errors) gets a 400 with a JSON body unless a response is already on
    /// the wire; either way the connection closes, since the byte stream cannot be trusted any more.
    func errorCaught(context: ChannelHandlerContext, error: Error) {
        if let error = error as? HTTPParserError, !responding {
            // llhttp caps the request line and header fields together (80 KB): that is a size, not a syntax, error.
            let (status, message) = error == .headerOverflow
                ? (431, "Request line and header fields too large") : (400, "Malformed HTTP request")
            app.metrics.reject(status == 431 ? .headersTooLarge : .malformed)
            routeCounters?.counters(for: RouteTag.untagged).count(status: status, nanoseconds: nil)
            let requestID = app.requestIDs.make()
            let body = app.errorBody(status, message, requestID: requestID)
            writeWhole(context: context, status: status, version: .http1_1, body: body, keepAlive: false,
                       requestID: requestID)
            app.accessLog.record(method: "-", target: "-", status: status, bytes: body.count, startedAt: .now(), client: peer,
                                 requestID: requestID)
        }
        queue.removeAll()
        receiving = .rejected
        close(context: context)
    }

    /// Closes the connection after flushing what is written: a kept-alive answer waits for the end
    /// of the loop's turn to be flushed (`TickFlusher`), and a close drops unflushed writes.
    private func close(context: ChannelHandlerContext) {
        context.flush()
        context.close(promise: nil)
    }

    /// `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1; HTTP/1.0 senders are ignored).
    private static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        head.version.major == 1 && head.version.minor >= 1
            && head.headers[canonicalForm: "expect"].contains { $0.lowercased() == "100-continue" }
    }

    private static func tooLarge(_ settings: ServerSettings) -> String {
        "Request body exceeds the limit of \(settings.maxBodyBytes) bytes"
    }

    /// What RFC 9112 requires of a request's framing that llhttp lets through, checked for every
    /// worker: exactly one `Host` in HTTP/1.1 (at most one in 1.0), a body framed by nothing but
    /// `chunked` (any other coding, or a list, is one this runner does not implement: 501), and a
    /// path that percent-decodes to UTF-8 (a worker would see it as nothing it can route: 400).
    private static func framingRefusal(_ head: HTTPRequestHead, hosts: Int, transferEncodings: Int,
                                       onlyChunked: Bool) -> (status: HTTPResponseStatus, message: String)? {
        if hosts > 1 || (hosts == 0 && head.version.minor >= 1) {
            return (.badRequest, hosts == 0 ? "Missing Host header" : "More than one Host header")
        }
        if transferEncodings > 0 && (transferEncodings > 1 || !onlyChunked) {
            return (.notImplemented, "Transfer-Encoding other than chunked is not supported")
        }
        if !pathDecodes(head.uri) {
            return (.badRequest, "The request path is not valid percent-encoded UTF-8")
        }
        return nil
    }

    /// Whether the path of `target` (before `?`) percent-decodes to UTF-8: one scan that stops at the
    /// query or the end when there is no `%`, which is nearly always.
    static func pathDecodes(_ target: String) -> Bool {
        let question = UInt8(ascii: "?"), percent = UInt8(ascii: "%")
        let fast = target.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            for index in bytes.indices {
                if bytes[index] == question { return true }
                if bytes[index] == percent {
                    let end = bytes[index...].firstIndex(of: question) ?? bytes.endIndex
                    return PercentDecoding.decode(UnsafeBufferPointer(rebasing: bytes[..<end]), plusAsSpace: false) != nil
                }
            }
            return true
        }
        if let fast { return fast }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return PercentDecoding.decode(path, plusAsSpace: false) != nil
    }

    private var isIdle: Bool {
        guard !responding, queue.isEmpty, case .idle = receiving else { return false }
        return true
    }

    private func enqueue(_ pending: Pending, context: ChannelHandlerContext) {
        if responding || !writable {
            if queue.count >= Self.maxBacklog, case .request(let head, _) = pending {
                receiving = .rejected
                queue.append(.rejection(head, .serviceUnavailable, "Too many pipelined requests without reading the answers"))
                return
            }
            queue.append(pending)
        } else {
            start(pending, context: context)
        }
    }

    /// Answers queued requests in order while nothing is in flight and the channel takes writes.
    private func startQueued(context: ChannelHandlerContext) {
        guard !startingQueued else { return }
        startingQueued = true
        while !responding && writable, let next = queue.popFirst() {
            start(next, context: context)
        }
        startingQueued = false
    }

    private func start(_ pending: Pending, context: ChannelHandlerContext) {
        responding = true
        switch pending {
        case .request(let head, let body):
            dispatch(context: context, head: head, body: body)
        case .rejection(let head, let status, let message):
            writeRejection(context: context, head: head, status: status, message: message)
        }
    }

    /// Refuses the request being received; it is answered in its turn and the connection then closes,
    /// since the client may still be sending a body we will not read.
    private func reject(context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, message: String) {
        receiving = .rejected
        timeouts.requestComplete()
        enqueue(.rejection(head, status, message), context: context)
    }

    private func writeRejection(context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, message: String) {
        queue.removeAll()
        switch status.code {
        case 431: app.metrics.reject(.headersTooLarge)
        case 413: app.metrics.reject(.bodyTooLarge)
        case 501: app.metrics.reject(.notImplemented)
        case 503: app.metrics.reject(.pipelineBacklog)
        default: app.metrics.reject(.malformed)
        }
        routeCounters?.counters(for: RouteTag.untagged).count(status: Int(status.code), nanoseconds: nil)
        let requestID = resolveRequestID(head.headers)
        let body = app.errorBody(status.code, message, requestID: requestID)
        let headers: Headers = status == .serviceUnavailable
            ? ["Content-Type": "application/json", "Retry-After": "1"] : ["Content-Type": "application/json"]
        writeWhole(context: context, status: Int(status.code), version: head.version, body: body, keepAlive: false,
                   headers: headers, requestID: requestID)
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        app.accessLog.record(method: head.method.rawValue, target: head.uri, status: Int(status.code),
                             bytes: body.count, startedAt: .now(), client: peer, requestID: requestID)
    }

    /// The request's id: a trusted proxy's `X-Request-Id`, else a new one (`RequestIDs`).
    private func resolveRequestID(_ headers: HTTPHeaders) -> String {
        let trusted = !app.settings.trustedProxies.isEmpty && app.settings.trustedProxies.contains(peer)
        return app.requestIDs.id(forwarded: trusted ? headers.first(name: "x-request-id") : nil, trusted: trusted)
    }

    /// A runner-made JSON response (errors), framed and flushed in one write.
    @discardableResult
    private func writeWhole(context: ChannelHandlerContext, status: Int, version: HTTPVersion, body: [UInt8],
                            keepAlive: Bool, headers: Headers = ["Content-Type": "application/json"],
                            requestID: String?) -> EventLoopFuture<Void> {
        let framing = ResponseEncoder.Framing(version: version, keepAlive: keepAlive, contentLength: body.count)
        // Only fixed, valid field names here: encoding cannot fail.
        var buffer = try! ResponseEncoder.head(status: status, headers: headers,
                                               framing: framing, bodyCapacity: body.count, requestID: requestID,
                                               allocator: context.channel.allocator)
        buffer.writeBytes(body)
        return context.writeAndFlush(wrapOutboundOut(buffer))
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer?) {
        let started = NIODeadline.now()
        var fields: [(name: String, value: String)] = []
        fields.reserveCapacity(head.headers.count)
        for (name, value) in head.headers { fields.append((name: name, value: value)) }
        let headers = Headers(fields)
        let client = ClientInfo.resolve(peer: peer, headers: headers, trustedProxies: app.settings.trustedProxies)
        let trusted = !app.settings.trustedProxies.isEmpty && app.settings.trustedProxies.contains(peer)
        let requestID = app.requestIDs.id(forwarded: trusted ? headers["X-Request-Id"] : nil, trusted: trusted)
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        let request = Request(method: head.method.rawValue, target: head.uri, headers: headers, body: bytes, client: client)
        let keepAlive = head.isKeepAlive && !app.isShuttingDown
        let isHead = head.method == .HEAD
        let app = self.app
        if let response = app.immediateResponse(to: request) {
            write(response, context: context, head: head, keepAlive: keepAlive, isHead: isHead, started: started,
                  client: client.ip, requestID: requestID)
            return
        }
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
        // With NIO as the global executor the task starts on this very loop, so the usual case needs
        // no thread hop; the `execute` covers a worker that resumed elsewhere.
        Task {
            let response = await app.respond(to: request, requestID: requestID)
            if loop.inEventLoop {
                bound.value.handler.write(response, context: bound.value.context, head: head, keepAlive: keepAlive,
                                          isHead: isHead, started: started, client: client.ip, requestID: requestID)
            } else {
                loop.execute {
                    bound.value.handler.write(response, context: bound.value.context, head: head, keepAlive: keepAlive,
                                              isHead: isHead, started: started, client: client.ip, requestID: requestID)
                }
            }
        }
    }

    private func write(_ response: Response, context: ChannelHandlerContext, head: HTTPRequestHead, keepAlive: Bool,
                       isHead: Bool, started: NIODeadline, client: String, requestID: String) {
        // A shutdown that began while the worker ran closes this connection after the response.
        let keepAlive = keepAlive && !app.isShuttingDown && !quiescing
        let log = app.accessLog
        let allocator = context.channel.allocator
        let route = response.route ?? RouteTag.untagged
        if let routeCounters {
            routeCounters.counters(for: route).count(status: response.status,
                                                     nanoseconds: NIODeadline.now().uptimeNanoseconds &- started.uptimeNanoseconds)
        }
        if response.status == 429 { app.metrics.reject(.rateLimited) }

        switch response.body {
        case .bytes(let bytes):
            // An upgrade the worker did not accept (a 401, a 426) ends the connection: WebSocket clients
            // such as Node's report the failure only once the connection closes.
            let keepAlive = keepAlive && !(response.status >= 400 && head.headers.contains(name: "upgrade"))
            let framing = ResponseEncoder.Framing(version: head.version, keepAlive: keepAlive, contentLength: bytes.count)
            guard var buffer = encodeHead(response, framing: framing, bodyCapacity: isHead ? 0 : bytes.count,
                                          context: context, head: head, started: started, client: client,
                                          requestID: requestID) else { return }
            if !isHead { buffer.writeBytes(bytes) }
            finish(context: context, last: buffer, keepAlive: keepAlive)
            log.record(method: head.method.rawValue, target: head.uri, status: response.status, bytes: bytes.count,
                       startedAt: started, client: client, requestID: requestID, route: response.route)

        case .stream(let stream):
            let framing = ResponseEncoder.Framing(version: head.version, keepAlive: keepAlive, contentLength: nil)
            guard let buffer = encodeHead(response, framing: framing, context: context, head: head,
                                          started: started, client: client, requestID: requestID) else { return }
            log.record(method: head.method.rawValue, target: head.uri, status: response.status, bytes: 0,
                       startedAt: started, client: client, requestID: requestID, route: response.route)
            if isHead {
                finish(context: context, last: buffer, keepAlive: keepAlive)
                return
            }
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            let channel = context.channel
            let loop = context.eventLoop
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: loop)
            let pump = Task {
                for await chunk in stream where !chunk.isEmpty {
                    guard channel.isActive else { break }
                    // Wait for each chunk to reach the socket before pulling the next: a slow
                    // client holds back the producer instead of growing the outbound buffer.
                    let written = loop.flatSubmit {
                        bound.value.context.writeAndFlush(
                            bound.value.handler.wrapOutboundOut(ResponseEncoder.chunk(chunk, allocator: allocator)))
                    }
                    do { try await written.get() } catch { break }
                }
                loop.execute {
                    let handler = bound.value.handler
                    handler.streamPump = nil
                    guard channel.isActive else { return }
                    var last = allocator.buffer(capacity: 5)
                    last.writeStaticString(ResponseEncoder.lastChunk)
                    // Ended by a shutdown (or begun before one): the connection closes after it.
                    handler.finish(context: bound.value.context, last: last,
                                   keepAlive: keepAlive && !handler.quiescing && !handler.app.isShuttingDown)
                }
            }
            streamPump = pump
            // A client that goes away ends the stream, which ends its producer.
            channel.closeFuture.whenComplete { _ in pump.cancel() }
            // A shutdown that began before the pump was known: end the stream now.
            if quiescing { pump.cancel() }

        case .webSocket(let session):
            upgrade(to: session, context: context, head: head, keepAlive: keepAlive, started: started, client: client,
                    requestID: requestID, route: response.route)
        }
    }

    /// Completes the RFC 6455 handshake for a worker that accepted a WebSocket, then hands the
    /// connection to `WebSocketHandler`; a request that is not a valid upgrade gets a 400 (426 for
    /// another protocol version) with the runner's error body.
    private func upgrade(to session: WebSocketSession, context: ChannelHandlerContext, head: HTTPRequestHead,
                         keepAlive: Bool, started: NIODeadline, client: String, requestID: String, route: RouteTag?) {
        func refuse(_ status: Int, _ message: String, extra: Headers = [:]) {
            // As for an upgrade the worker refused (see `write`): the connection ends after the answer.
            let keepAlive = keepAlive && !head.headers.contains(name: "upgrade")
            let body = app.errorBody(status, message, requestID: requestID)
            var headers: Headers = ["Content-Type": "application/json"]
            for (name, value) in extra { headers.add(name, value) }
            let framing = ResponseEncoder.Framing(version: head.version, keepAlive: keepAlive, contentLength: body.count)
            var buffer = try! ResponseEncoder.head(status: status, headers: headers, framing: framing,
                                                   bodyCapacity: body.count, requestID: requestID,
                                                   allocator: context.channel.allocator)
            buffer.writeBytes(body)
            finish(context: context, last: buffer, keepAlive: keepAlive)
            app.accessLog.record(method: head.method.rawValue, target: head.uri, status: status, bytes: body.count,
                                 startedAt: started, client: client, requestID: requestID, route: route)
        }
        func has(_ name: String, token: String) -> Bool {
            head.headers[canonicalForm: name].contains { $0.lowercased() == token }
        }
        guard head.method == .GET, has("upgrade", token: "websocket"), has("connection", token: "upgrade") else {
            return refuse(400, "This route needs a WebSocket upgrade (Upgrade: websocket, Connection: Upgrade)")
        }
        guard head.headers.first(name: "sec-websocket-version") == "13" else {
            return refuse(426, "Unsupported WebSocket version (13 is supported)", extra: ["Sec-WebSocket-Version": "13"])
        }
        guard let key = head.headers.first(name: "sec-websocket-key"),
              let decoded = Data(base64Encoded: key), decoded.count == 16 else {
            return refuse(400, "Missing or invalid Sec-WebSocket-Key")
        }
        guard queue.isEmpty, case .idle = receiving else {
            return refuse(400, "A WebSocket upgrade cannot follow pipelined requests")
        }
        let digest = Insecure.SHA1.hash(data: Array((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").utf8))
        let accept = Data(digest).base64EncodedString()
        var buffer = context.channel.allocator.buffer(capacity: 160)
        buffer.writeString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
        buffer.writeString("Sec-WebSocket-Accept: \(accept)\r\nX-Request-Id: \(requestID)\r\n\r\n")
        // Written before the pipeline changes: the frame encoder must not see these bytes.
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        app.accessLog.record(method: head.method.rawValue, target: head.uri, status: 101, bytes: 0, startedAt: started,
                             client: client, requestID: requestID, route: route)
        do {
            let pipeline = context.pipeline.syncOperations
            try pipeline.addHandlers([WebSocketFrameEncoder(),
                                      ByteToMessageHandler(WebSocketFrameDecoder(maxFrameSize: WebSocketHandler.maxMessageBytes)),
                                      WebSocketHandler(session: session)],
                                     position: .after(decoder))
            // The request deadline means nothing to frames; the idle event goes on (it drives pings).
            try pipeline.addHandler(IdleStateHandler(readTimeout: timeouts.idleTimeout), position: .first)
            pipeline.removeHandler(timeouts, promise: nil)
            pipeline.removeHandler(context: context, promise: nil)
            // Removing the decoder forwards bytes the client sent after its upgrade request to the frame decoder.
            pipeline.removeHandler(decoder, promise: nil)
        } catch {
            app.logger.error("WebSocket upgrade failed", metadata: ["error": "\(error)"])
            close(context: context)
        }
    }

    /// The response head, or nil after answering a generic 500 when the worker's headers cannot go
    /// on the wire (a CR or LF in a value, a name that is not a token).
    private func encodeHead(_ response: Response, framing: ResponseEncoder.Framing, bodyCapacity: Int = 0,
                            context: ChannelHandlerContext, head: HTTPRequestHead, started: NIODeadline,
                            client: String, requestID: String) -> ByteBuffer? {
        do {
            return try ResponseEncoder.head(status: response.status, headers: response.headers, framing: framing,
                                            bodyCapacity: bodyCapacity, requestID: requestID,
                                            allocator: context.channel.allocator)
        } catch {
            app.logger.error("worker response refused", metadata: ["path": "\(AccessLog.redacted(head.uri))", "error": "\(error)"])
            let body = app.errorBody(500, "Internal Server Error", requestID: requestID)
            writeWhole(context: context, status: 500, version: head.version, body: body, keepAlive: framing.keepAlive,
                       requestID: requestID)
            finish(context: context, last: nil, keepAlive: framing.keepAlive)
            app.accessLog.record(method: head.method.rawValue, target: head.uri, status: 500, bytes: body.count,
                                 startedAt: started, client: client, requestID: requestID)
            return nil
        }
    }

    /// Ends the current response with its last bytes, then starts the next queued request or closes.
    private func finish(context: ChannelHandlerContext, last: ByteBuffer?, keepAlive: Bool) {
        responding = false
        guard keepAlive && context.channel.isActive else {
            let done = last.map { context.writeAndFlush(wrapOutboundOut($0)) } ?? context.eventLoop.makeSucceededVoidFuture()
            queue.removeAll()
            receiving = .rejected
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        // Kept alive: nothing waits on this write, so no promise is made for it; it is flushed with
        // the other answers of this turn of the event loop (see `TickFlusher`).
        if let last {
            if let flusher {
                context.write(wrapOutboundOut(last), promise: nil)
                flusher.flushAtEndOfTurn(context)
            } else {
                context.writeAndFlush(wrapOutboundOut(last), promise: nil)
            }
        }
        if !queue.isEmpty {
            startQueued(context: context)
        }
        if readHeld && writable && queue.count < Self.maxQueued {
            readHeld = false
            context.read()
        }
        if inputClosed && !responding && queue.isEmpty { close(context: context) }
    }

    static func address(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        return address.ipAddress ?? "unknown"
    }
}
