import Crypto
import EdgeWorker

/// `ETag` (quoted, 16 hex characters of the body's SHA-256) on cacheable GET responses, and
/// `If-None-Match` → 304.
enum ETag {
    static func apply(to response: Response, request: Request) -> Response {
        guard request.method == "GET" || request.method == "HEAD", response.status == 200,
              response.headers["Cache-Control"] != nil, response.bodyBytes != nil else { return response }
        let tagged = Self.tagged(response)
        guard let tag = tagged.headers["ETag"] else { return response }
        if let condition = request.headers["If-None-Match"], matches(condition, tag) {
            var headers: Headers = ["ETag": tag]
            headers["Cache-Control"] = response.headers["Cache-Control"]
            for (name, value) in response.headers where name.lowercased().hasPrefix("x-ratelimit-") {
                headers[name] = value
            }
            return Response(status: 304, headers: headers, bytes: [])
        }
        return tagged
    }

    /// The response with its `ETag` (computed unless it has one already).
    static func tagged(_ response: Response) -> Response {
        guard response.headers["ETag"] == nil, let body = response.bodyBytes else { return response }
        var tagged = response
        tagged.headers.add("ETag", "\"" + String(SHA256.hash(data: body).hexString.prefix(16)) + "\"")
        return tagged
    }

    static func matches(_ condition: String, _ tag: String) -> Bool {
        for candidate in condition.split(separator: ",") {
            var value = String(candidate).trimmingSpaces
            if value == "*" { return true }
            if value.hasPrefix("W/") { value.removeFirst(2) }
            if value == tag { return true }
        }
        return false
    }
}

/// Browsers use the SDK too: every response allows any origin (tokens travel in `Authorization`,
/// never in cookies), and preflights are answered for the headers the API uses.
enum CORS {
    static func decorate(_ response: Response) -> Response {
        guard !response.headers.contains("Access-Control-Allow-Origin") else { return response }
        var response = response
        response.headers.add("Access-Control-Allow-Origin", "*")
        response.headers.add("Access-Control-Expose-Headers",
                             "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset")
        return response
    }

    static func preflight(_ request: Request) -> Response {
        Response(status: 204, headers: [
            "Access-Control-Allow-Origin": "*",
            "Access-Control-Allow-Methods": "GET, POST, PUT, DELETE, OPTIONS",
            "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match, If-None-Match, X-API-Key",
            "Access-Control-Max-Age": "86400",
        ], bytes: [])
    }
}

/// `Cache-Control` values of the spec's section 8.
enum CachePolicy {
    static let health = "private, max-age=10, stale-while-revalidate=30"
    static let singleFlag = "private, max-age=10"
    static let flagList = "private, max-age=30"
    static let configs = "private, max-age=60"
    static let segments = "private, max-age=30"
    static let openAPI = "private, max-age=3600"
}
