import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore

/// The body of `GET /__edge/snapshot` written to a file as it arrives, hashed on the way, so a
/// snapshot of any size costs one buffer of memory.
struct SnapshotReceiver {
    struct Received: Sendable {
        var bytes: Int
        var sha256: String
    }

    let path: String
    let progress: (@Sendable (Int, Int?) -> Void)?

    /// Streams `body` to the file; `announced` is the size the origin said it would send.
    func receive(_ body: HTTPClientResponse.Body, announced: Int?) async throws(OriginError) -> Received {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw .malformed("cannot write \(path)")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var bytes = 0
        do {
            for try await chunk in body {
                try chunk.withUnsafeReadableBytes { raw in
                    try handle.write(contentsOf: raw)
                    hasher.update(bufferPointer: raw)
                }
                bytes += chunk.readableBytes
                progress?(bytes, announced)
            }
            try handle.synchronize()
        } catch let error as CocoaError {
            throw .malformed("cannot write \(path): \(error)")
        } catch {
            throw .unreachable(String(describing: error))
        }
        let digest = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        return Received(bytes: bytes, sha256: digest)
    }
}
