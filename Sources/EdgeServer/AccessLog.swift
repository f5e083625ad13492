import CoreMetrics
import EdgeWorker
import Foundation
import NIOCore
import Synchronization

/// One JSON line per request, appended to a bounded buffer that a thread of its own writes out in
/// batches, so that the request path never waits on a write to stdout.
///
/// A line is written straight as bytes (no `String` building, no `Date`, no formatter): with the
/// log on, a request costs one short uncontended lock and about two hundred bytes of copying. When
/// the writer cannot keep up (stdout blocked, a slow disk) the buffer fills, and further lines are
/// dropped and counted (`edgeworker_access_log_dropped_lines_total`) instead of slowing requests.
///
/// Fields: `ts` (Unix milliseconds), `id` (the request id), `method`, `target` (credential query
/// parameters redacted), `route` (the worker's route template, when it declares one), `status`,
/// `bytes` (of the body), `us` (microseconds from the request's arrival to its answer) and `client`.
final class AccessLog: Sendable {
    let enabled: Bool
    /// Buffered bytes past which lines are dropped.
    let capacity: Int
    private let buffer: Mutex<[UInt8]>
    /// The writer's half of a double buffer: swapped with `buffer` at each flush, so both keep their
    /// capacity and a request never pays for the buffer growing.
    private let writing = Mutex<[UInt8]>([])
    private let dropped = Atomic<Int>(0)
    private let droppedCounter: Counter?
    private let output: Int32
    private let running = Atomic<Bool>(true)
    private let writerDone: Mutex<Bool>
    private let hasWriter: Bool

    /// `writes: false` starts no writer thread: lines stay buffered until `flush()` (tests).
    init(level: String, output: Int32 = STDOUT_FILENO, capacity: Int = 4 << 20, dropped: Counter? = nil,
         writes: Bool = true) {
        enabled = level != "off"
        self.output = output
        self.capacity = capacity
        droppedCounter = dropped
        var initial: [UInt8] = []
        if enabled { initial.reserveCapacity(min(capacity, 256 * 1024)) }
        buffer = Mutex(initial)
        writerDone = Mutex(false)
        hasWriter = enabled && writes
        guard hasWriter else { return }
        let thread = Thread { [self] in
            while running.load(ordering: .relaxed) {
                usleep(50_000)
                flush()
            }
            flush()
            writerDone.withLock { $0 = true }
        }
        thread.name = "edgeworker-accesslog"
        thread.start()
    }

    /// Lines dropped because the buffer was full.
    var droppedLines: Int { dropped.load(ordering: .relaxed) }

    /// Bytes waiting to be written.
    var bufferedBytes: Int { buffer.withLock { $0.count } }

    func record(method: String, target: String, status: Int, bytes: Int, startedAt: NIODeadline, client: String,
                requestID: String, route: RouteTag? = nil) {
        guard enabled else { return }
        let micros = (NIODeadline.now().uptimeNanoseconds &- startedAt.uptimeNanoseconds) / 1000
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let millis = Int(now.tv_sec) * 1000 + Int(now.tv_nsec) / 1_000_000
        let redactedTarget = Self.mayCarryCredentials(target) ? Self.redacted(target) : target
        // At most six bytes per byte of a string (`\u00XX`), and the fixed part.
        let bound = 160 + 6 * (redactedTarget.utf8.count + client.utf8.count + requestID.utf8.count + method.utf8.count)
            + (route?.template.utf8.count ?? 0)
        let kept = buffer.withLock { line -> Bool in
            guard line.count + bound <= capacity else { return false }
            Self.append(#"{"ts":"#, to: &line)
            Self.appendInteger(millis, to: &line)
            Self.append(#","id":"#, to: &line)
            Self.appendQuoted(requestID, to: &line)
            Self.append(#","method":"#, to: &line)
            Self.appendQuoted(method, to: &line)
            Self.append(#","target":"#, to: &line)
            Self.appendQuoted(redactedTarget, to: &line)
            if let route {
                Self.append(#","route":"#, to: &line)
                Self.appendQuoted(route.template, to: &line)
            }
            Self.append(#","status":"#, to: &line)
            Self.appendInteger(status, to: &line)
            Self.append(#","bytes":"#, to: &line)
            Self.appendInteger(bytes, to: &line)
            Self.append(#","us":"#, to: &line)
            Self.appendInteger(Int(micros), to: &line)
            Self.append(#","client":"#, to: &line)
            Self.appendQuoted(client, to: &line)
            Self.append("}\n", to: &line)
            return true
        }
        if !kept {
            dropped.add(1, ordering: .relaxed)
            droppedCounter?.increment()
        }
    }

    /// Writes what is buffered (the writer thread's turn; tests call it directly).
    func flush() {
        writing.withLock { pending in
            pending.removeAll(keepingCapacity: true)
            buffer.withLock { swap(&$0, &pending) }
            var offset = 0
            while offset < pending.count {
                let n = pending.withUnsafeBytes { write(output, $0.baseAddress! + offset, pending.count - offset) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                offset += n
            }
        }
    }

    /// Stops the writer after writing what is buffered.
    func close() {
        guard hasWriter, running.exchange(false, ordering: .relaxed) else { return }
        while !writerDone.withLock({ $0 }) { usleep(10_000) }
    }

    /// A fixed part of the line, copied whole.
    @inline(__always)
    static func append(_ text: StaticString, to line: inout [UInt8]) {
        line.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    static func appendInteger(_ value: Int, to line: inout [UInt8]) {
        if value < 0 {
            line.append(UInt8(ascii: "-"))
            appendInteger(value == .min ? .max : -value, to: &line)
            return
        }
        if value < 10 {
            line.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        appendInteger(value / 10, to: &line)
        line.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    /// A JSON string: client-controlled text (targets, forwarded addresses) stays one valid line.
    static func appendQuoted(_ text: String, to line: inout [UInt8]) {
        line.append(UInt8(ascii: "\""))
        // Nearly always nothing to escape: then the bytes are copied whole.
        let copied = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") })
            else { return false }
            line.append(contentsOf: bytes)
            return true
        }
        if copied == true {
            line.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                line.append(UInt8(ascii: "\\"))
                line.append(byte)
            case 0..<0x20, 0x7F:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                Self.append(#"\u00"#, to: &line)
                line.append(hex[Int(byte >> 4)])
                line.append(hex[Int(byte & 0xF)])
            default:
                line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    /// Query parameters that carry credentials (WebSocket and SSE clients cannot send headers, so
    /// SDKs put tokens and API keys in the URL): their values never reach the log.
    static let credentialParameters: Set<String> = ["token", "api_key", "apikey", "access_token"]

    /// Whether `target` has a query parameter whose name could be a credential's: one of
    /// `credentialParameters` in any case, or a name with a `%` (compared decoded by `redacted`).
    /// One scan without allocation, so that the usual target skips `redacted`.
    static func mayCarryCredentials(_ target: String) -> Bool {
        var utf8 = target
        return utf8.withUTF8 { bytes -> Bool in
            guard var at = bytes.firstIndex(of: UInt8(ascii: "?")) else { return false }
            at += 1
            while at < bytes.count {
                var end = at
                var percent = false
                while end < bytes.count, bytes[end] != UInt8(ascii: "="), bytes[end] != UInt8(ascii: "&") {
                    if bytes[end] == UInt8(ascii: "%") { percent = true }
                    end += 1
                }
                if percent || Self.isCredentialName(UnsafeBufferPointer(rebasing: bytes[at..<end])) { return true }
                while end < bytes.count, bytes[end] != UInt8(ascii: "&") { end += 1 }
                at = end + 1
            }
            return false
        }
    }

    private static func isCredentialName(_ name: UnsafeBufferPointer<UInt8>) -> Bool {
        credentialParameterBytes.contains { candidate in
            candidate.count == name.count && zip(candidate, name).allSatisfy { lower, byte in
                lower == ((UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 : byte)
            }
        }
    }

    private static let credentialParameterBytes: [[UInt8]] = credentialParameters.map { Array($0.utf8) }

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

    /// `text` as a JSON string (tests and callers outside the hot path).
    static func quoted(_ text: String) -> String {
        var bytes: [UInt8] = []
        appendQuoted(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}
