import NIOCore

/// The whole pipeline of a connection over a cap (`max_connections`, `max_connections_per_client`):
/// it answers a 503 with `Retry-After` at once, without waiting for a request, shuts its side, and
/// drops whatever the client sends until the client hangs up or `linger` passes. Closing with the
/// request unread would reset the connection, and a reset can destroy the answer before it is read.
final class ConnectionRefusal: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let body: [UInt8]
    private let linger: TimeAmount
    private var answered = false

    init(body: [UInt8], linger: Double) {
        self.body = body
        self.linger = .nanoseconds(Int64(max(0.1, min(linger, 5)) * 1e9))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { answer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        answer(context: context)
        context.fireChannelActive()
    }

    private func answer(context: ChannelHandlerContext) {
        guard !answered else { return }
        answered = true
        var buffer = context.channel.allocator.buffer(capacity: 160 + body.count)
        buffer.writeString("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nRetry-After: 1\r\nConnection: close\r\n\r\n")
        buffer.writeBytes(body)
        let linger = self.linger
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { result in
            guard case .success = result else { return context.close(promise: nil) }
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: linger) { context.close(promise: nil) }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
