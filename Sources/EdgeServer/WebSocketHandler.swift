import EdgeWorker
import NIOCore
import NIOWebSocket
import Synchronization

/// A WebSocket conversation after the upgrade: frames in, text messages to the worker's session in
/// order, text frames out from any task. RFC 6455 as a server needs it: client frames must be
/// masked (else 1002), fragmented text is reassembled (at most `maxMessageBytes`, else 1009),
/// invalid UTF-8 is 1007, binary is 1003, pings get pongs, a close is answered and ends the
/// connection. A peer silent for the idle timeout is pinged, and closed if silent for another.
final class WebSocketHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    static let maxMessageBytes = 1 << 20

    private let session: WebSocketSession
    private var fragments: ByteBuffer?
    private var closing = false
    private var awaitingPong = false
    private var messages: AsyncStream<String>.Continuation?
    private let open = OpenFlag()

    init(session: WebSocketSession) {
        self.session = session
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let (stream, continuation) = AsyncStream<String>.makeStream()
        messages = continuation
        let outbound = Self.outbound(context: context, open: open, handler: self)
        let session = self.session
        // One task per connection runs the session, so each message is handled after the previous one.
        Task {
            await session.onOpen(outbound)
            for await text in stream { await session.onText(text, outbound) }
            await session.onClose()
        }
    }

    /// Sends from any thread: hops to the channel's loop; after the close, a no-op.
    private static func outbound(context: ChannelHandlerContext, open: OpenFlag, handler: WebSocketHandler) -> WebSocketOutbound {
        let loop = context.eventLoop
        let bound = NIOLoopBound((handler: handler, context: context), eventLoop: loop)
        let allocator = context.channel.allocator
        return WebSocketOutbound(
            sendText: { text in
                guard open.isOpen else { return }
                let frame = WebSocketFrame(fin: true, opcode: .text, data: allocator.buffer(string: text))
                loop.execute {
                    guard open.isOpen else { return }
                    bound.value.context.writeAndFlush(bound.value.handler.wrapOutboundOut(frame), promise: nil)
                }
            },
            close: {
                loop.execute { bound.value.handler.close(context: bound.value.context, code: .normalClosure) }
            })
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        awaitingPong = false
        guard !closing else { return }
        guard frame.maskKey != nil else { return close(context: context, code: .protocolError) }
        switch frame.opcode {
        case .text where fragments == nil:
            if frame.fin {
                deliver(frame.unmaskedData, context: context)
            } else {
                fragments = frame.unmaskedData
            }
        case .continuation where fragments != nil:
            var part = frame.unmaskedData
            guard fragments!.readableBytes + part.readableBytes <= Self.maxMessageBytes else {
                return close(context: context, code: .messageTooLarge)
            }
            fragments!.writeBuffer(&part)
            if frame.fin {
                let message = fragments!
                fragments = nil
                deliver(message, context: context)
            }
        case .binary:
            close(context: context, code: .unacceptableData)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            break
        case .connectionClose:
            var data = frame.unmaskedData
            let code = data.readWebSocketErrorCode() ?? .normalClosure
            close(context: context, code: code, answering: true)
        default:
            close(context: context, code: .protocolError)
        }
    }

    private func deliver(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        guard bytes.readableBytes <= Self.maxMessageBytes else { return close(context: context, code: .messageTooLarge) }
        guard let text = String(validatingUTF8Bytes: bytes.readableBytesView) else {
            return close(context: context, code: .dataInconsistentWithMessage)
        }
        messages?.yield(text)
    }

    /// How long a close this side started waits for the peer to end the connection.
    static let closeLinger = TimeAmount.seconds(1)

    /// Sends a close frame with `code`. Answering the peer's close, the connection ends once the
    /// frame is written. Starting the close (a violation, the session's end, a shutdown), this side
    /// stops sending, then reads and drops whatever the peer still sends until it hangs up or
    /// `closeLinger` passes: closing with unread input would reset the connection, and a reset can
    /// destroy the close frame at the peer before it is read (say, under a 1 MB frame refused by its
    /// header, with the rest still arriving).
    private func close(context: ChannelHandlerContext, code: WebSocketErrorCode, answering: Bool = false) {
        guard !closing else { return }
        closing = true
        open.close()
        var data = context.channel.allocator.buffer(capacity: 2)
        data.write(webSocketErrorCode: code)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: data)
        if !answering {
            try? context.pipeline.syncOperations.addHandler(DiscardInbound(), position: .first)
        }
        let written = context.writeAndFlush(wrapOutboundOut(frame)).assumeIsolated()
        guard !answering else {
            written.whenComplete { _ in context.close(promise: nil) }
            return
        }
        written.whenComplete { result in
            guard case .success = result else { return context.close(promise: nil) }
            context.close(mode: .output, promise: nil)
            context.eventLoop.assumeIsolated().scheduleTask(in: Self.closeLinger) { context.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            close(context: context, code: .goingAway)
        } else if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if awaitingPong {
                context.close(promise: nil)
            } else {
                awaitingPong = true
                let ping = WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(capacity: 0))
                context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
            }
        } else if let event = event as? ChannelEvent, event == .inputClosed {
            // The client shut its side without a close frame: nothing more can arrive.
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // The decoder refuses what follows its own error; the close under way already covers it.
        if closing, error is ByteToMessageDecoderError { return }
        if let error = error as? NIOWebSocketError {
            close(context: context, code: error == .invalidFrameLength ? .messageTooLarge : .protocolError)
        } else {
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        open.close()
        messages?.finish()
        messages = nil
        context.fireChannelInactive()
    }
}

extension String {
    /// nil for bytes that are not valid UTF-8.
    init?(validatingUTF8Bytes bytes: some Collection<UInt8>) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var out = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): out.append(scalar)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self = String(out)
    }
}

/// First in the pipeline of a closing WebSocket: input is read and dropped, never decoded.
final class DiscardInbound: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}

/// Whether frames may still be sent; read from any thread.
final class OpenFlag: Sendable {
    private let value = Atomic<Bool>(true)
    var isOpen: Bool { value.load(ordering: .relaxed) }
    func close() { value.store(false, ordering: .relaxed) }
}
