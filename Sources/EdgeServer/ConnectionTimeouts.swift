import EdgeWorker
import NIOCore

/// A connection's two clocks, in the one handler that sees its raw bytes first:
///
/// - **the request deadline**: each request must arrive whole within the request timeout of its
///   first byte, so a slowloris client that trickles a header or body cannot hold a connection (and
///   its memory) for ever — the idle timeout alone would be reset by every trickled byte. An
///   unmet deadline is answered with a 408 and the connection closes;
/// - **the idle timeout**: when nothing has been read for that long, `IdleStateHandler`'s `.read`
///   event goes up the pipeline; `HTTPHandler` closes the connection if it has nothing in flight;
/// - **the header timeout**: a connection whose first byte has not come within it is closed
///   without an answer, so sockets opened and left idle (a flood from one address) hold the
///   server's connections for seconds, not for the whole idle timeout.
///
/// One handler and one timer each instead of NIO's `IdleStateHandler` beside a deadline handler: a
/// handler fewer for every read, write and flush of every request, and no clock read per request
/// beyond the one that dates its first byte. A WebSocket connection swaps this handler for an
/// `IdleStateHandler` when it upgrades (its pings need the idle event, not the deadline).
final class ConnectionTimeouts: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let requestTimeout: TimeAmount
    let idleTimeout: TimeAmount
    private let headerTimeout: TimeAmount
    /// Whether any byte has arrived on this connection.
    private var receivedAny = false
    private var requestTimer: Scheduled<Void>?
    private var idleTimer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private let body: [UInt8]
    /// When the first byte of the request being read arrived; nil between requests.
    private var startedAt: NIODeadline?
    /// When the last request began to arrive (or ended, if it took more than one read), or the
    /// connection opened: what idleness is measured from. A request in progress is never idle.
    private var lastRequestAt = NIODeadline.now()

    /// Called once for each request that missed its deadline (the metrics' count).
    private let onExpiry: (@Sendable () -> Void)?

    init(requestTimeoutSeconds: Double, idleTimeoutSeconds: Double, headerTimeoutSeconds: Double? = nil,
         errorBody: [UInt8], onExpiry: (@Sendable () -> Void)? = nil) {
        self.onExpiry = onExpiry
        requestTimeout = .nanoseconds(Int64(requestTimeoutSeconds * 1e9))
        idleTimeout = .nanoseconds(Int64(idleTimeoutSeconds * 1e9))
        headerTimeout = .nanoseconds(Int64(min(headerTimeoutSeconds ?? idleTimeoutSeconds, idleTimeoutSeconds) * 1e9))
        body = errorBody
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        lastRequestAt = context.eventLoop.now
        scheduleIdleCheck(at: lastRequestAt + headerTimeout, context: context)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        requestTimer?.cancel()
        idleTimer?.cancel()
        requestTimer = nil
        idleTimer = nil
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if startedAt == nil { begin(at: context.eventLoop.now) }
        context.fireChannelRead(data)
    }

    /// A request's head has been read. The first request of a read was dated by `channelRead`; this
    /// dates one that began later in the same read (pipelined behind a complete one), so an
    /// unfinished request there still gets its deadline at the end of the read.
    func requestBegan() {
        if startedAt == nil, let context { begin(at: context.eventLoop.now) }
    }

    private func begin(at now: NIODeadline) {
        receivedAny = true
        startedAt = now
        lastRequestAt = now
    }

    /// A request that arrived whole in one read never needs a timer; only one still incomplete at the
    /// end of a read gets one, set for its first byte plus the timeout.
    func channelReadComplete(context: ChannelHandlerContext) {
        if let startedAt, requestTimer == nil {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            requestTimer = context.eventLoop.scheduleTask(deadline: startedAt + requestTimeout) { bound.value.expire() }
        }
        context.fireChannelReadComplete()
    }

    /// The request's last byte arrived: its deadline is met. One that took more than a read is
    /// dated again by its end, which idleness is then measured from.
    func requestComplete() {
        if requestTimer != nil, let context { lastRequestAt = context.eventLoop.now }
        startedAt = nil
        requestTimer?.cancel()
        requestTimer = nil
    }

    /// The idle check runs once per idle period, not per request: when it finds a request begun
    /// since it was set, it is set again for that request's start plus the timeout.
    private func scheduleIdleCheck(at deadline: NIODeadline, context: ChannelHandlerContext) {
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        idleTimer = context.eventLoop.scheduleTask(deadline: deadline) { bound.value.checkIdle() }
    }

    private func checkIdle() {
        idleCheckCount &+= 1
        idleTimer = nil
        guard let context, context.channel.isActive else { return }
        let now = context.eventLoop.now
        if !receivedAny {
            // Opened and never used within the header timeout (this check's first run).
            context.close(promise: nil)
        } else if startedAt != nil {
            // A request is arriving: not idle, and its own deadline covers it. Look again a whole
            // timeout later (never sooner: a request begun long ago must not make this spin).
            scheduleIdleCheck(at: now + idleTimeout, context: context)
        } else if now - lastRequestAt >= idleTimeout {
            // Quiet for the whole timeout: tell the pipeline, and look again a timeout later
            // (`HTTPHandler` keeps a connection with an answer still in flight).
            scheduleIdleCheck(at: now + idleTimeout, context: context)
            context.fireUserInboundEventTriggered(IdleStateHandler.IdleStateEvent.read)
        } else {
            scheduleIdleCheck(at: lastRequestAt + idleTimeout, context: context)
        }
    }

    /// How many times the idle check has run (for tests: it must run about once per idle period).
    private(set) var idleCheckCount = 0

    private func expire() {
        requestTimer = nil
        startedAt = nil
        guard let context else { return }
        onExpiry?()
        var buffer = context.channel.allocator.buffer(capacity: 160 + body.count)
        buffer.writeString("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n")
        buffer.writeBytes(body)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
