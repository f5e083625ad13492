import EdgeJSON
import EdgeKV
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

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

/// The replication endpoints of an origin, over async-http-client: the change feed (long-polled),
/// the snapshot (streamed to a file, never held in memory) and the status.
///
/// A call in flight ends when the task that made it is cancelled (the follower's stop does that);
/// after `invalidate`, new calls fail at once.
public final class OriginClient: Sendable {
    public let origin: String
    private let secret: String
    /// How long a long poll may be silent: the origin's wait, and some.
    private let pollTimeout: TimeAmount
    private let invalidated = Atomic<Bool>(false)

    /// One client for every origin client of the process, never shut down. Between bytes, a read
    /// may wait as long as the longest poll; redirects are not followed (an origin does not move).
    /// The pool retries a refused connection until the connect timeout, so that is what a replica
    /// takes to say its origin is down: short, since the follower backs off and retries anyway.
    private static let http = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                timeout: .init(connect: .seconds(3), read: .seconds(120))))

    /// - Parameter origin: the origin's base URL (`http://10.0.0.1:8080`).
    public init(origin: String, secret: String, longestWait: Double = 30) throws(OriginError) {
        var base = origin
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base), url.scheme == "http" || url.scheme == "https", url.host != nil else {
            throw .malformed("the origin must be an http(s) URL such as http://10.0.0.1:8080 (got \(origin))")
        }
        self.origin = base
        self.secret = secret
        pollTimeout = .seconds(Int64(longestWait.rounded(.up)) + 15)
    }

    /// Refuses every call from now on; calls in flight end with their task's cancellation.
    public func invalidate() {
        invalidated.store(true, ordering: .relaxed)
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
        let (status, body) = try await get("/__edge/changes?\(query)")
        switch status {
        case 200: return try ChangeFeedFormat.decode(body)
        case 410: throw .gone(Self.message(body))
        default: throw Self.failure(status, body)
        }
    }

    /// The origin's `/__edge/status` document.
    public func status() async throws(OriginError) -> JSONValue {
        let (status, body) = try await get("/__edge/status")
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
        do {
            // The origin writes the whole copy before the first byte (the checksum leads the body).
            let response = try await send("/__edge/snapshot", timeout: .seconds(900))
            guard response.status == .ok else {
                let body = (try? await response.body.collect(upTo: 65_536)).map { Array(buffer: $0) } ?? []
                throw Self.failure(Int(response.status.code), body)
            }
            func header(_ name: String) -> String? { response.headers.first(name: name) }
            guard let format = header("X-Edge-Snapshot-Format").flatMap(Int.init),
                  let sequence = header("X-Edge-Snapshot-Sequence").flatMap(UInt64.init),
                  let bytes = header("X-Edge-Snapshot-Bytes").flatMap(Int.init),
                  let sha = header("X-Edge-Snapshot-SHA256")?.lowercased() else {
                throw OriginError.malformed("the snapshot came without its sequence, format, size or checksum headers")
            }
            guard format == KVSnapshotInfo.formatVersion else {
                throw OriginError.malformed("the origin sent snapshot format \(format); this node reads format \(KVSnapshotInfo.formatVersion)")
            }
            let received = try await SnapshotReceiver(path: path, progress: progress).receive(response.body, announced: bytes)
            guard received.bytes == bytes else {
                throw OriginError.malformed("the snapshot is \(received.bytes) bytes, the origin announced \(bytes) (truncated download)")
            }
            guard received.sha256 == sha else { throw OriginError.malformed("the snapshot's SHA-256 does not match the origin's") }
            let inside: UInt64
            do { inside = try KVStore.inspectSnapshot(at: path) } catch {
                throw OriginError.malformed("the downloaded file is not a store snapshot: \(error)")
            }
            guard inside == sequence else {
                throw OriginError.malformed("the snapshot holds sequence \(inside), the origin announced \(sequence)")
            }
            return DownloadedSnapshot(path: path, sequence: sequence, bytes: bytes, sha256: sha)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw Self.unreachable(error)
        }
    }

    /// A GET whose whole (small) body is read.
    private func get(_ target: String) async throws(OriginError) -> (Int, [UInt8]) {
        let response = try await send(target, timeout: pollTimeout)
        do {
            let body = try await response.body.collect(upTo: 64 << 20)
            return (Int(response.status.code), Array(buffer: body))
        } catch {
            throw Self.unreachable(error)
        }
    }

    /// Sends a GET with the replication credentials; `timeout` bounds the wait for the answer's head.
    private func send(_ target: String, timeout: TimeAmount) async throws(OriginError) -> HTTPClientResponse {
        guard !invalidated.load(ordering: .relaxed) else { throw .unreachable("the client was stopped") }
        var request = HTTPClientRequest(url: origin + target)
        request.headers.add(name: "Authorization", value: "Bearer \(secret)")
        request.headers.add(name: "User-Agent", value: "edgeworker-replica")
        do {
            return try await Self.http.execute(request, timeout: timeout)
        } catch {
            throw Self.unreachable(error)
        }
    }

    private static func unreachable(_ error: any Error) -> OriginError {
        if let error = error as? OriginError { return error }
        if error is CancellationError { return .unreachable("the client was stopped") }
        return .unreachable(String(describing: error))
    }

    private static func message(_ body: [UInt8]) -> String {
        (try? JSONValue.parse(body))?["error"]?.stringValue ?? String(decoding: body.prefix(300), as: UTF8.self)
    }

    private static func failure(_ status: Int, _ body: [UInt8]) -> OriginError {
        status == 401 ? .unauthorized : .unexpected(status: status, message: message(body))
    }
}
