import Crypto
import EdgeJSON
import EdgeKV
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Why a call to the origin failed, as the follower and the CLI need to tell the cases apart.
public enum OriginError: Error, Equatable, CustomStringConvertible {
    /// 410: the asked sequence is outside the origin's retained log; take a new snapshot.
    case gone(String)
    /// 401: the replication secret is wrong or missing.
    case unauthorized
    /// Any other answer than the one expected.
    case unexpected(status: Int, message: String)
    /// An answer that does not parse, or a snapshot that does not verify.
    case malformed(String)
    /// The origin could not be reached (refused, timed out, reset).
    case unreachable(String)

    public var description: String {
        switch self {
        case .gone(let message): return "the origin no longer has those changes (410): \(message)"
        case .unauthorized: return "the origin refused the replication secret (401)"
        case .unexpected(let status, let message): return "the origin answered \(status): \(message)"
        case .malformed(let message): return message
        case .unreachable(let message): return "the origin is unreachable: \(message)"
        }
    }
}

/// A snapshot downloaded from the origin and verified: size, SHA-256, format and sequence all
/// match what the origin announced.
public struct DownloadedSnapshot: Sendable {
    public var path: String
    public var sequence: UInt64
    public var bytes: Int
    public var sha256: String
}

/// The replication endpoints of an origin, over `URLSession`: the change feed (long-polled), the
/// snapshot (streamed to a file, never held in memory) and the status.
public final class OriginClient: @unchecked Sendable {
    public let origin: String
    private let secret: String
    private let session: URLSession
    private let configuration: URLSessionConfiguration
    /// The requests in flight (a poll, a download), so that `invalidate` cancels them. A request
    /// starts under this lock, after checking `invalidated`: one started on a session already
    /// invalidated is never run by FoundationNetworking, or traps, and its caller would wait for ever
    /// (a replica stopping just as it reconnected did not exit).
    private let inFlight = Mutex<(tasks: [ObjectIdentifier: URLSessionTask], invalidated: Bool)>(([:], false))

    /// - Parameter origin: the origin's base URL (`http://10.0.0.1:8080`).
    public init(origin: String, secret: String, longestWait: Double = 30) throws(OriginError) {
        var base = origin
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw .malformed("the origin must be an http(s) URL such as http://10.0.0.1:8080 (got \(origin))")
        }
        self.origin = base
        self.secret = secret
        let configuration = URLSessionConfiguration.ephemeral
        // Between bytes, not overall: a long poll may be silent for `longestWait` seconds.
        configuration.timeoutIntervalForRequest = longestWait + 15
        configuration.timeoutIntervalForResource = 24 * 3600
        configuration.httpMaximumConnectionsPerHost = 2
        self.configuration = configuration
        session = URLSession(configuration: configuration)
    }

    /// Cancels whatever is in flight (a long poll, a download); the client is unusable after.
    public func invalidate() {
        let tasks = inFlight.withLock { f -> [URLSessionTask] in
            f.invalidated = true
            defer { f.tasks.removeAll() }
            return Array(f.tasks.values)
        }
        for task in tasks { task.cancel() }
        session.invalidateAndCancel()
    }

    /// Makes and resumes a task, recorded for `invalidate`, unless the client was stopped (nil then).
    /// Under the lock, so that no stop comes between the check and the task: FoundationNetworking
    /// makes a task on an invalidated session a fatal error.
    private func startTask(_ make: () -> URLSessionTask) -> URLSessionTask? {
        inFlight.withLock { f -> URLSessionTask? in
            guard !f.invalidated else { return nil }
            let task = make()
            f.tasks[ObjectIdentifier(task)] = task
            task.resume()
            return task
        }
    }

    private func finished(_ task: URLSessionTask) {
        inFlight.withLock { _ = $0.tasks.removeValue(forKey: ObjectIdentifier(task)) }
    }

    /// The mutations after `since`, waiting up to `wait` seconds for one when there are none.
    /// `history`, when known, is the origin history `since` counts in: the origin refuses (410) a
    /// sequence of another history.
    public func changes(since: UInt64, wait: Double, limit: Int, history: String? = nil) async throws(OriginError) -> KVChangePage {
        var query = "since=\(since)&wait=\(Int(wait))&limit=\(limit)"
        if let history {
            // Histories are lowercase hex; anything else (a snapshot without one) names no origin's.
            guard !history.isEmpty, history.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
                throw .gone("the installed snapshot names no history of the origin; take a new snapshot")
            }
            query += "&history=\(history)"
        }
        let (status, body, _) = try await get("/__edge/changes?\(query)")
        switch status {
        case 200: return try ChangeFeedFormat.decode(body)
        case 410: throw .gone(Self.message(body))
        default: throw Self.failure(status, body)
        }
    }

    /// The origin's `/__edge/status` document.
    public func status() async throws(OriginError) -> JSONValue {
        let (status, body, _) = try await get("/__edge/status")
        guard status == 200 else { throw Self.failure(status, body) }
        guard let value = try? JSONValue.parse(body) else { throw .malformed("the status is not JSON") }
        return value
    }

    /// Downloads a snapshot to `path`, streaming it to disk and hashing it as it arrives, and
    /// verifies it before returning; a file that does not verify is removed and reported.
    /// `progress` gets the bytes received and the announced total.
    public func downloadSnapshot(to path: String, progress: (@Sendable (Int, Int?) -> Void)? = nil)
        async throws(OriginError) -> DownloadedSnapshot
    {
        let receiver = SnapshotReceiver(path: path, progress: progress)
        // The origin writes the whole copy before the first byte (the checksum leads the body).
        let patient = configuration.copy() as! URLSessionConfiguration
        patient.timeoutIntervalForRequest = 900
        let session = URLSession(configuration: patient, delegate: receiver, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        let request = makeRequest("/__edge/snapshot")
        let started = await receiver.run { startTask { session.dataTask(with: request) } }
        if let task = started.task { finished(task) }
        guard let outcome = started.outcome else { throw .unreachable("the client was stopped") }
        do {
            let received = try outcome.get()
            return try await verify(received, at: path)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    private func verify(_ received: SnapshotReceiver.Received, at path: String) async throws(OriginError) -> DownloadedSnapshot {
        let response = received.response
        guard response.statusCode == 200 else {
            throw Self.failure(response.statusCode, received.errorBody)
        }
        func header(_ name: String) -> String? { response.value(forHTTPHeaderField: name) }
        guard let format = header("X-Edge-Snapshot-Format").flatMap(Int.init),
              let sequence = header("X-Edge-Snapshot-Sequence").flatMap(UInt64.init),
              let bytes = header("X-Edge-Snapshot-Bytes").flatMap(Int.init),
              let sha = header("X-Edge-Snapshot-SHA256")?.lowercased() else {
            throw .malformed("the snapshot came without its sequence, format, size or checksum headers")
        }
        guard format == KVSnapshotInfo.formatVersion else {
            throw .malformed("the origin sent snapshot format \(format); this node reads format \(KVSnapshotInfo.formatVersion)")
        }
        guard received.bytes == bytes else {
            throw .malformed("the snapshot is \(received.bytes) bytes, the origin announced \(bytes) (truncated download)")
        }
        guard received.sha256 == sha else { throw .malformed("the snapshot's SHA-256 does not match the origin's") }
        let inside: UInt64
        do { inside = try KVStore.inspectSnapshot(at: path) } catch {
            throw .malformed("the downloaded file is not a store snapshot: \(error)")
        }
        guard inside == sequence else {
            throw .malformed("the snapshot holds sequence \(inside), the origin announced \(sequence)")
        }
        return DownloadedSnapshot(path: path, sequence: sequence, bytes: bytes, sha256: sha)
    }

    private func makeRequest(_ target: String) -> URLRequest {
        var request = URLRequest(url: URL(string: origin + target)!)
        request.setValue("Bearer \(secret)", forHTTPHeaderField: "Authorization")
        request.setValue("edgeworker-replica", forHTTPHeaderField: "User-Agent")
        return request
    }

    private func get(_ target: String) async throws(OriginError) -> (Int, [UInt8], HTTPURLResponse) {
        let request = makeRequest(target)
        let call = OneCall()
        let outcome = await withCheckedContinuation { continuation in
            call.continuation = continuation
            call.task = startTask {
                session.dataTask(with: request) { data, response, error in
                    call.finish(error.map { .failure($0) } ?? .success((data ?? Data(), response)))
                }
            }
            if call.task == nil { call.finish(.failure(OriginError.unreachable("the client was stopped"))) }
        }
        if let task = call.task { finished(task) }
        switch outcome {
        case .success(let (data, response)):
            guard let http = response as? HTTPURLResponse else { throw .unreachable("not an HTTP answer") }
            return (http.statusCode, [UInt8](data), http)
        case .failure(let error as OriginError):
            throw error
        case .failure(let error):
            throw .unreachable(error.localizedDescription)
        }
    }

    private static func message(_ body: [UInt8]) -> String {
        (try? JSONValue.parse(body))?["error"]?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self)
    }

    private static func failure(_ status: Int, _ body: [UInt8]) -> OriginError {
        status == 401 ? .unauthorized : .unexpected(status: status, message: message(body))
    }
}

/// One request's continuation, resumed once whoever answers first (its completion handler, or the
/// client refusing to start it after a stop).
private final class OneCall: @unchecked Sendable {
    typealias Outcome = Result<(Data, URLResponse?), any Error>
    private let lock = NSLock()
    var continuation: CheckedContinuation<Outcome, Never>?
    var task: URLSessionTask?

    func finish(_ outcome: Outcome) {
        lock.lock()
        let continuation = self.continuation
        self.continuation = nil
        lock.unlock()
        continuation?.resume(returning: outcome)
    }
}
