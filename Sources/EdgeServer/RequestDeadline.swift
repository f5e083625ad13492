import EdgeWorker
import NIOCore

/// Gives each request a deadline from its first byte to its last, so a slowloris client that
/// trickles a header or body cannot hold a connection (and its memory) for ever; the idle timeout
/// alone would be reset by every trickled byte. Sits first in the pipeline and sees raw bytes.
final class RequestDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let timeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?
    private let body: [UInt8]
    /// When the first byte of the request being read arrived; nil between requests.
    private var startedAt: NIODeadline?

    init(timeoutSeconds: Double, errorBody: [UInt8]) {
        timeout = .nanoseconds(Int64(timeoutSeconds * 1e9))
        body = errorBody
    }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if startedAt == nil { startedAt = .now() }
        context.fireChannelRead(data)
    }

    /// A request that arrived whole in one read never needs a timer; only one still incomplete at the
    /// end of a read gets one, set for its first byte plus the timeout.
    func channelReadComplete(context: ChannelHandlerContext) {
        if let startedAt, timer == nil {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(deadline: startedAt + timeout) { bound.value.expire() }
        }
        context.fireChannelReadComplete()
    }

    /// The request's last byte arrived: its deadline is met.
    func requestComplete() {
        startedAt = nil
        timer?.cancel()
        timer = nil
    }

    private func expire() {
        timer = nil
        startedAt = nil
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 160 + body.count)
        buffer.writeString("HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n")
        buffer.writeBytes(body)
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
