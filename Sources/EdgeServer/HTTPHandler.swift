import EdgeWorker
import NIOCore
import NIOHTTP1

/// Turns one connection's HTTP parts into `Request`s, calls the worker, and writes each `Response`
/// back. It owns only connection concerns: body and header limits, keep-alive, the per-request
/// deadline, streaming bodies, and a generic 500 for anything a worker throws.
///
/// NIO's `HTTPServerPipelineHandler` sits in front of it, so pipelined requests arrive one at a
/// time and a quiesce event (graceful shutdown) closes the connection after the current response.
final class HTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer?)
        /// The request was refused early (413, 431); the rest of it is dropped.
        case rejected
        case responding
    }

    private let app: ServerContext
    private let deadline: RequestDeadline
    private var state = State.idle
    private var peer = "unknown"

    init(app: ServerContext, deadline: RequestDeadline) {
        self.app = app
        self.deadline = deadline
    }

    func channelActive(context: ChannelHandlerContext) {
        peer = Self.address(context.channel.remoteAddress)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = state else { return }
            var headerBytes = 0
            for (name, value) in head.headers { headerBytes += name.utf8.count + value.utf8.count + 4 }
            if headerBytes > app.settings.maxHeaderBytes {
                reject(context: context, head: head, status: .init(statusCode: 431),
                       message: "Request header fields too large")
                return
            }
            if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > app.settings.maxBodyBytes {
                reject(context: context, head: head, status: .payloadTooLarge, message: Self.tooLarge(app.settings))
                return
            }
            state = .receiving(head, nil)

        case .body(var chunk):
            guard case .receiving(let head, var body) = state else { return }
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
            state = .receiving(head, body)

        case .end:
            guard case .receiving(let head, let body) = state else {
                if case .rejected = state { state = .idle }
                return
            }
            state = .responding
            deadline.requestComplete()
            dispatch(context: context, head: head, body: body)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            // A keep-alive connection with nothing in flight has been quiet too long.
            if case .idle = state { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }

    private static func tooLarge(_ settings: ServerSettings) -> String {
        "Request body exceeds the limit of \(settings.maxBodyBytes) bytes"
    }

    /// Answers at once and closes: the client may still be sending a body we will not read.
    private func reject(context: ChannelHandlerContext, head: HTTPRequestHead, status: HTTPResponseStatus, message: String) {
        state = .rejected
        deadline.requestComplete()
        let body = app.errorBody(status.code, message)
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(body.count))
        headers.add(name: "Connection", value: "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
        app.accessLog.record(method: head.method.rawValue, target: head.uri, status: Int(status.code),
                             bytes: body.count, startedAt: .now(), client: peer)
    }

    private func dispatch(context: ChannelHandlerContext, head: HTTPRequestHead, body: ByteBuffer?) {
        let started = NIODeadline.now()
        var headers = Headers()
        for (name, value) in head.headers { headers.add(name, value) }
        let client = ClientInfo.resolve(peer: peer, headers: headers, trustedProxies: app.settings.trustedProxies)
        let bytes = body.map { Array($0.readableBytesView) } ?? []
        let request = Request(method: head.method.rawValue, target: head.uri, headers: headers, body: bytes, client: client)
        let keepAlive = head.isKeepAlive && !app.isShuttingDown
        let isHead = head.method == .HEAD
        let app = self.app
        let promise = context.eventLoop.makePromise(of: Response.self)
        promise.completeWithTask {
            await app.respond(to: request)
        }
        let loopBoundSelf = NIOLoopBound(self, eventLoop: context.eventLoop)
        promise.futureResult.assumeIsolated().whenSuccess { response in
            loopBoundSelf.value.write(response, context: context, head: head, keepAlive: keepAlive, isHead: isHead,
                                      started: started, client: client.ip)
        }
    }

    private func write(_ response: Response, context: ChannelHandlerContext, head: HTTPRequestHead, keepAlive: Bool,
                       isHead: Bool, started: NIODeadline, client: String) {
        // A shutdown that began while the worker ran closes this connection after the response.
        let keepAlive = keepAlive && !app.isShuttingDown
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 2)
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: response.status)
        let log = app.accessLog

        switch response.body {
        case .bytes(let bytes):
            headers.replaceOrAdd(name: "Content-Length", value: String(bytes.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            if !isHead && !bytes.isEmpty {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: bytes)))), promise: nil)
            }
            finish(context: context, keepAlive: keepAlive)
            log.record(method: head.method.rawValue, target: head.uri, status: response.status, bytes: bytes.count,
                       startedAt: started, client: client)

        case .stream(let stream):
            headers.remove(name: "Content-Length")
            headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
            log.record(method: head.method.rawValue, target: head.uri, status: response.status, bytes: 0,
                       startedAt: started, client: client)
            if isHead {
                finish(context: context, keepAlive: keepAlive)
                return
            }
            let channel = context.channel
            let loop = context.eventLoop
            let boundContext = NIOLoopBound(context, eventLoop: loop)
            let boundSelf = NIOLoopBound(self, eventLoop: loop)
            let pump = Task {
                for await chunk in stream {
                    guard channel.isActive else { break }
                    let written = loop.submit {
                        boundContext.value.writeAndFlush(boundSelf.value.wrapOutboundOut(
                            .body(.byteBuffer(ByteBuffer(bytes: chunk)))), promise: nil)
                    }
                    _ = try? await written.get()
                }
                loop.execute {
                    guard channel.isActive else { return }
                    boundSelf.value.finish(context: boundContext.value, keepAlive: keepAlive)
                }
            }
            // A client that goes away ends the stream, which ends its producer.
            channel.closeFuture.whenComplete { _ in pump.cancel() }

        case .webSocket:
            let body = app.errorBody(501, "WebSocket upgrade is not enabled on this route")
            headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(body.count))])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .notImplemented, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            finish(context: context, keepAlive: keepAlive)
        }
    }

    private func finish(context: ChannelHandlerContext, keepAlive: Bool) {
        state = .idle
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            done.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    static func address(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        return address.ipAddress ?? "unknown"
    }
}
