import EdgeJSON
import EdgeWorker

/// A failure of either API, with its status and the dialect's body: EdgeFlags
/// `{"error": message, "code": CODE, "details": {...}?}`, FeatureSignals `{"error": message}`.
struct APIError: Error, Sendable {
    var status: Int
    var code: String
    var message: String
    var details: JSONValue?
    var headers: Headers = [:]
    /// Whose words `message` is in: a FeatureSignals error is sent as written; an error of shared
    /// code (storage, validation) is lower-cased into that dialect's style.
    var wording: Dialect = .edgeFlags

    static func validation(_ message: String, details: JSONValue? = nil) -> APIError {
        APIError(status: 400, code: "VALIDATION_ERROR", message: message, details: details)
    }
    static let unauthorized = APIError(status: 401, code: "UNAUTHORIZED", message: "Unauthorized")
    static let forbidden = APIError(status: 403, code: "FORBIDDEN", message: "Insufficient permissions")
    static let adminRequired = APIError(status: 403, code: "FORBIDDEN", message: "Admin permission required")
    static func notFound(_ message: String) -> APIError { APIError(status: 404, code: "NOT_FOUND", message: message) }
    static func conflict(_ message: String, details: JSONValue? = nil) -> APIError {
        APIError(status: 409, code: "CONFLICT", message: message, details: details)
    }
    static func tooLarge(_ message: String) -> APIError { APIError(status: 413, code: "PAYLOAD_TOO_LARGE", message: message) }
    static func methodNotAllowed(_ allowed: [String]) -> APIError {
        APIError(status: 405, code: "METHOD_NOT_ALLOWED", message: "Method not allowed",
                 headers: ["Allow": allowed.joined(separator: ", ")])
    }
    static let internalError = APIError(status: 500, code: "INTERNAL_ERROR", message: "Internal server error")

    /// Past a rate limit: 429 with `Retry-After` in seconds.
    static func rateLimited(retryAfter seconds: Int) -> APIError {
        APIError(status: 429, code: "RATE_LIMITED", message: "Rate limit exceeded", headers: ["Retry-After": String(seconds)])
    }

    /// A FeatureSignals failure: its message is the whole body, exactly as the spec words it.
    static func fs(_ status: Int, _ message: String, headers: Headers = [:]) -> APIError {
        APIError(status: status, code: code(of: status), message: message, headers: headers, wording: .featureSignals)
    }

    /// The EdgeFlags code of a status, for an error first worded in the other dialect.
    private static func code(of status: Int) -> String {
        switch status {
        case 400: "VALIDATION_ERROR"
        case 401: "UNAUTHORIZED"
        case 403: "FORBIDDEN"
        case 404: "NOT_FOUND"
        case 405: "METHOD_NOT_ALLOWED"
        case 409: "CONFLICT"
        case 413: "PAYLOAD_TOO_LARGE"
        case 429: "RATE_LIMITED"
        case 500...: "INTERNAL_ERROR"
        default: "ERROR"
        }
    }
    static let fsInvalidBody = APIError.fs(400, "invalid request body")
    static let fsInsufficientPermissions = APIError.fs(403, "insufficient permissions")

    var body: JSONValue {
        var object: [String: JSONValue] = ["error": .string(message), "code": .string(code)]
        if let details { object["details"] = details }
        return .object(object)
    }

    var response: Response { .json(body, status: status, headers: headers) }

    /// The FeatureSignals body. Errors raised by shared code (storage) keep their status; their
    /// message is lower-cased into that dialect's style.
    var featureSignalsResponse: Response {
        let text = wording == .featureSignals ? message : status >= 500 ? "internal server error" : message.lowercased()
        return .json(["error": .string(text)], status: status, headers: headers)
    }
}

extension APIError: CustomStringConvertible {
    var description: String { message }
}
