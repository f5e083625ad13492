import Foundation
import Synchronization

/// A clock the test moves by hand (seconds since the epoch).
final class TestClock: Sendable {
    private let time: Mutex<Double>

    init(_ start: Double) { time = Mutex(start) }

    var now: Double { time.withLock { $0 } }

    func advance(by seconds: Double) { time.withLock { $0 += seconds } }

    var function: @Sendable () -> Double { { self.now } }
}

/// A latch background work waits on until the test opens it.
final class Gate: Sendable {
    private let stream: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    init() { (stream, continuation) = AsyncStream<Void>.makeStream() }

    func wait() async { for await _ in stream {} }

    func open() { continuation.finish() }
}

/// A flag set from background work and read by the test.
final class Flag: Sendable {
    private let value = Mutex(false)
    var isSet: Bool { value.withLock { $0 } }
    func set() { value.withLock { $0 = true } }
}

func elapsed(_ body: () async throws -> Void) async rethrows -> Double {
    let start = ContinuousClock.now
    try await body()
    let d = ContinuousClock.now - start
    return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
}

/// Polls `condition` every 5 ms until it holds or `timeout` seconds pass; whether it held. The
/// sleep only paces the polling: what is awaited is the condition.
func eventually(timeout: Double = 10, _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(timeout * 1000))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return condition()
}
