import NIOCore

/// The flushes of kept-alive responses gathered over one turn of an event loop and done together at
/// its end, after every connection that was readable in that turn has been answered.
///
/// Flushing each answer at once interleaves the writes with the next connection's work: a client
/// thread that has read one answer goes back to sleep before the next is written, so every response
/// pays a wake-up of that thread (an inter-processor interrupt, and a dear one in a VM). Measured
/// with `wrk -c16` on `/health`: 0.59 client wake-ups per request against nginx's 0.05. Written
/// together, the answers of one turn reach their clients within microseconds of each other. The
/// system calls are the same (one `write` per connection); an answer waits at most for the rest of
/// its turn's requests to be answered.
///
/// One per event loop, used only on it.
final class TickFlusher: @unchecked Sendable {
    private let loop: any EventLoop
    private var pending: [ChannelHandlerContext] = []
    private var spare: [ChannelHandlerContext] = []
    private var scheduled = false

    init(loop: any EventLoop) {
        self.loop = loop
        pending.reserveCapacity(64)
        spare.reserveCapacity(64)
    }

    /// Flushes `context` at the end of the loop's current turn.
    func flushAtEndOfTurn(_ context: ChannelHandlerContext) {
        loop.assertInEventLoop()
        pending.append(context)
        guard !scheduled else { return }
        scheduled = true
        loop.execute { self.flushAll() }
    }

    private func flushAll() {
        scheduled = false
        // A flush may close a channel, whose handlers may write and ask again: those are flushed by
        // the task that asking schedules, later in this same turn.
        swap(&pending, &spare)
        for context in spare { context.flush() }
        spare.removeAll(keepingCapacity: true)
    }

    /// One flusher for each loop of `group`, by the loop's identity.
    static func forEachLoop(of group: any EventLoopGroup) -> [ObjectIdentifier: TickFlusher] {
        var flushers: [ObjectIdentifier: TickFlusher] = [:]
        for loop in group.makeIterator() { flushers[ObjectIdentifier(loop)] = TickFlusher(loop: loop) }
        return flushers
    }
}
