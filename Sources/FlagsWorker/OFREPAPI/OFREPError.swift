import EdgeJSON
import EdgeWorker

/// OpenFeature's error codes, as OFREP spells them on the wire.
enum OFREPErrorCode: String, Sendable {
    case parseError = "PARSE_ERROR"
    case targetingKeyMissing = "TARGETING_KEY_MISSING"
    case invalidContext = "INVALID_CONTEXT"
    case general = "GENERAL"
    case flagNotFound = "FLAG_NOT_FOUND"
}

extension APIError {
    /// An OFREP failure, about the flag `key` when there is one (its body then names it).
    static func ofrep(_ status: Int, _ code: OFREPErrorCode, _ details: String, key: String? = nil) -> APIError {
        APIError(status: status, code: code.rawValue, message: details, details: key.map(JSONValue.string), wording: .ofrep)
    }

    /// The OFREP body `{key?, errorCode, errorDetails}`. 401 and 403 carry no body, and neither does
    /// 429 (its `Retry-After` says all), as the spec has them; an error of shared code (an unreadable
    /// query, a body over the limits, storage) is `GENERAL` with its message.
    var ofrepResponse: Response {
        if status == 401 || status == 403 || status == 429 { return Response(status: status, headers: headers, bytes: []) }
        var body: [String: JSONValue] = ["errorCode": .string(wording == .ofrep ? code : OFREPErrorCode.general.rawValue),
                                         "errorDetails": .string(status >= 500 ? "Internal server error" : message)]
        if wording == .ofrep, let key = details { body["key"] = key }
        return .json(.object(body), status: status, headers: headers)
    }
}
