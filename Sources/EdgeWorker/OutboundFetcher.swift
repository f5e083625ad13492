import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The default outbound `fetch` of an `Env`: `URLSession` from FoundationNetworking.
public enum OutboundFetcher {
    public struct InvalidURL: Error, CustomStringConvertible {
        public var description: String
    }

    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = 10
        configuration.timeoutIntervalForResource = 30
        return URLSession(configuration: configuration)
    }()

    @Sendable
    public static func fetch(_ request: Request) async throws -> Response {
        guard let url = URL(string: request.target), url.scheme == "http" || url.scheme == "https" else {
            throw InvalidURL(description: "Not an absolute http(s) URL: \(request.target)")
        }
        var urlRequest = URLRequest(url: url)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.addValue(value, forHTTPHeaderField: name) }
        if !request.body.isEmpty { urlRequest.httpBody = Data(request.body) }
        let (data, response) = try await session.data(for: urlRequest)
        var headers = Headers()
        var status = 0
        if let http = response as? HTTPURLResponse {
            status = http.statusCode
            for (name, value) in http.allHeaderFields {
                headers.add(String(describing: name), String(describing: value))
            }
        }
        return Response(status: status, headers: headers, bytes: [UInt8](data))
    }
}
