import Crypto
import EdgeWorker

/// `ETag` (quoted, 16 hex characters of the body's SHA-256) on cacheable GET responses, and
/// `If-None-Match` → 304.
enum ETag {
    static func apply(to response: Response, request: Request) -> Response {
        guard request.method == "GET" || request.method == "HEAD", response.status == 200,
              response.headers["Cache-Control"] != nil, let body = response.bodyBytes else { return response }
        let tag = "\"" + String(SHA256.hash(data: body).hexString.prefix(16)) + "\""
        var tagged = response
        tagged.headers["ETag"] = tag
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
        var response = response
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] =
            "ETag, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
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
