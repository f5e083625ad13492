import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The body of `GET /__edge/snapshot` written to a file as it arrives, hashed on the way, so a
/// snapshot of any size costs one buffer of memory. An answer other than 200 is kept in memory
/// instead (it is a short JSON error).
final class SnapshotReceiver: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    struct Received: Sendable {
        var response: HTTPURLResponse
        var bytes: Int
        var sha256: String
        var errorBody: [UInt8]
    }

    private let path: String
    private let progress: (@Sendable (Int, Int?) -> Void)?
    private let lock = NSLock()
    private var handle: FileHandle?
    private var hasher = SHA256()
    private var bytes = 0
    private var announced: Int?
    private var response: HTTPURLResponse?
    private var errorBody: [UInt8] = []
    private var writeFailure: String?
    private var continuation: CheckedContinuation<Result<Received, OriginError>?, Never>?

    init(path: String, progress: (@Sendable (Int, Int?) -> Void)?) {
        self.path = path
        self.progress = progress
    }

    /// Runs the task `start` makes and resumes; `start` gives none once the client is stopped, and
    /// the outcome is nil then.
    func run(_ start: () -> URLSessionTask?) async -> (task: URLSessionTask?, outcome: Result<Received, OriginError>?) {
        var task: URLSessionTask?
        let outcome: Result<Received, OriginError>? = await withCheckedContinuation { continuation in
            lock.lock()
            self.continuation = continuation
            lock.unlock()
            task = start()
            if task == nil { finish(nil) }
        }
        return (task, outcome)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                    completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
        lock.lock()
        self.response = response as? HTTPURLResponse
        if self.response?.statusCode == 200 {
            announced = self.response?.value(forHTTPHeaderField: "X-Edge-Snapshot-Bytes").flatMap(Int.init)
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            handle = FileHandle(forWritingAtPath: path)
            if handle == nil { writeFailure = "cannot write \(path)" }
        }
        lock.unlock()
        completionHandler(writeFailure == nil ? .allow : .cancel)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else {
            if errorBody.count < 65_536 { errorBody.append(contentsOf: data.prefix(65_536 - errorBody.count)) }
            return
        }
        do {
            try handle.write(contentsOf: data)
        } catch {
            writeFailure = "cannot write \(path): \(error)"
            dataTask.cancel()
            return
        }
        hasher.update(data: data)
        bytes += data.count
        progress?(bytes, announced)
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        lock.lock()
        try? handle?.synchronize()
        try? handle?.close()
        handle = nil
        let outcome: Result<Received, OriginError>
        if let writeFailure {
            outcome = .failure(.malformed(writeFailure))
        } else if let error {
            outcome = .failure(.unreachable(error.localizedDescription))
        } else if let response {
            let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
            outcome = .success(Received(response: response, bytes: bytes, sha256: digest, errorBody: errorBody))
        } else {
            outcome = .failure(.unreachable("no response"))
        }
        lock.unlock()
        finish(outcome)
    }

    /// Resumes the waiting `run` once, whoever comes first.
    private func finish(_ outcome: Result<Received, OriginError>?) {
        lock.lock()
        let continuation = self.continuation
        self.continuation = nil
        lock.unlock()
        continuation?.resume(returning: outcome)
    }
}
