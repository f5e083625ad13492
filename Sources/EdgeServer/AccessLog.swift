import EdgeWorker
import Foundation
import NIOCore
import Synchronization

/// One structured line per request, appended to a buffer and written by a background thread, so
/// that the request path never waits on a write to stdout.
final class AccessLog: Sendable {
    let enabled: Bool
    private let buffer = SharedBuffer()
    private let output: Int32
    private let running = SharedFlag()

    init(level: String, output: Int32 = STDOUT_FILENO) {
        enabled = level != "off"
        self.output = output
        guard enabled else {
            flushThread = nil
            return
        }
        let buffer = self.buffer, running = self.running
        let flushThread = FlushThread()
        let thread = Thread {
            while running.isRunning {
                usleep(100_000)
                AccessLog.flush(buffer, to: output)
            }
            AccessLog.flush(buffer, to: output)
            flushThread.done()
        }
        thread.name = "edgeworker-accesslog"
        self.flushThread = flushThread
        thread.start()
    }

    private let flushThread: FlushThread?

    func record(method: String, target: String, status: Int, bytes: Int, startedAt: NIODeadline, client: String) {
        guard enabled else { return }
        let micros = (NIODeadline.now().uptimeNanoseconds &- startedAt.uptimeNanoseconds) / 1000
        let millis = Int64(Date().timeIntervalSince1970 * 1000)
        var line = "{\"ts\":\(millis),\"method\":\"\(method)\",\"target\":"
        line += Self.quoted(Self.redacted(target))
        line += ",\"status\":\(status),\"bytes\":\(bytes),\"us\":\(micros),\"client\":\(Self.quoted(client))}\n"
        buffer.bytes.withLock { $0.append(contentsOf: line.utf8) }
    }

    /// Stops the flusher after writing what is buffered.
    func close() {
        guard enabled, running.stop() else { return }
        flushThread?.wait()
    }

    private static func flush(_ buffer: SharedBuffer, to fd: Int32) {
        let pending = buffer.bytes.withLock { b -> [UInt8] in
            defer { b.removeAll(keepingCapacity: true) }
            return b
        }
        var offset = 0
        while offset < pending.count {
            let n = pending.withUnsafeBytes { write(fd, $0.baseAddress! + offset, pending.count - offset) }
            if n <= 0 { break }
            offset += n
        }
    }

    /// Targets are client-controlled: escape them so a line stays one valid JSON object.
    /// Query parameters that carry credentials (WebSocket and SSE clients cannot send headers, so
    /// SDKs put tokens and API keys in the URL): their values never reach the log.
    static let credentialParameters: Set<String> = ["token", "api_key", "apikey", "access_token"]

    /// `target` with the value of every credential parameter replaced by `[redacted]` (names are
    /// compared percent-decoded and in any case, as a worker reading them would).
    static func redacted(_ target: String) -> String {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        let query = target[target.utf8.index(after: mark)...]
        var changed = false
        let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let name = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
            let decoded = PercentDecoding.decode(name)?.lowercased() ?? name.lowercased()
            guard name.count < pair.count, credentialParameters.contains(decoded) else { return String(pair) }
            changed = true
            return name + "=[redacted]"
        }
        guard changed else { return target }
        return target[..<mark] + "?" + pairs.joined(separator: "&")
    }

    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// Lets `close()` wait for the flusher's last write.
private final class FlushThread: Sendable {
    private let finished = Mutex<Bool>(false)
    func done() { finished.withLock { $0 = true } }
    func wait() {
        while !finished.withLock({ $0 }) { usleep(10_000) }
    }
}

private final class SharedBuffer: Sendable {
    let bytes = Mutex<[UInt8]>([])
}

private final class SharedFlag: Sendable {
    private let value = Atomic<Bool>(true)
    var isRunning: Bool { value.load(ordering: .relaxed) }
    /// Returns whether this call stopped it.
    func stop() -> Bool { value.exchange(false, ordering: .relaxed) }
}
