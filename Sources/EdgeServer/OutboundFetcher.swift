import AsyncHTTPClient
import EdgeWorker
import NIOCore
import NIOHTTP1

/// The outbound `fetch` the runner gives a worker's `Env` (webhooks, calls to other services):
/// async-http-client on the event loops the runner already runs.
///
/// Redirects are answered to the caller, never followed (Workers' `redirect: "manual"`): a worker
/// that checks a URL before calling it (the flag service's webhook guard) must not be led past the
/// check by a `Location` header.
public enum OutboundFetcher {
    /// A target that is not an absolute `http` or `https` URL.
    public struct InvalidURL: Error, CustomStringConvertible {
        public var description: String
    }

    /// A response body over `maxResponseBytes`.
    public struct ResponseTooLarge: Error, CustomStringConvertible {
        public var description: String { "the response body is over \(OutboundFetcher.maxResponseBytes) bytes" }
    }

    /// Longest wait for the answer's head, and for each read of its body.
    public static let timeout: TimeAmount = .seconds(30)
    /// A larger body is refused: a worker's memory is not the remote server's to fill.
    public static let maxResponseBytes = 16 << 20

    /// One client for the process, never shut down (like `HTTPClient.shared`, but without redirects).
    private static let client = HTTPClient(
        eventLoopGroup: HTTPClient.defaultEventLoopGroup,
        configuration: HTTPClient.Configuration(redirectConfiguration: .disallow,
                                                timeout: .init(connect: .seconds(10), read: timeout)))

    @Sendable
    public static func fetch(_ request: Request) async throws -> Response {
        guard request.target.hasPrefix("http://") || request.target.hasPrefix("https://") else {
            throw InvalidURL(description: "Not an absolute http(s) URL: \(request.target)")
        }
        var outbound = HTTPClientRequest(url: request.target)
        outbound.method = HTTPMethod(rawValue: request.method)
        for field in request.headers { outbound.headers.add(name: field.name, value: field.value) }
        if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
        let answer = try await client.execute(outbound, timeout: timeout)
        var headers = Headers()
        for (name, value) in answer.headers { headers.add(name, value) }
        let body: ByteBuffer
        do {
            body = try await answer.body.collect(upTo: maxResponseBytes)
        } catch is NIOTooManyBytesError {
            throw ResponseTooLarge()
        }
        return Response(status: Int(answer.status.code), headers: headers, bytes: Array(buffer: body))
    }
}
