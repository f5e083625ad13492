import EdgeJSON
import EdgeWorker

/// `GET /ofrep/v1/configuration`: what a provider may rely on here. Polling the bulk evaluation
/// (with `If-None-Match`) and the event stream both invalidate its cache; every OpenFeature type
/// is served.
enum OFREPConfiguration {
    /// Providers should not poll faster than this.
    static let minPollingIntervalMs = 1000

    static let body: JSONValue = [
        "name": "edgeworker",
        "capabilities": [
            "cacheInvalidation": [
                "polling": ["enabled": true, "minPollingIntervalMs": .number(Double(minPollingIntervalMs))],
                "sse": ["enabled": true],
            ],
            "flagEvaluation": ["supportedTypes": ["boolean", "string", "int", "float", "object"]],
        ],
    ]
    private static let bytes = body.serialized()

    static func get(_ call: OFREPCall) throws(APIError) -> Response {
        ETag.apply(to: .jsonBytes(bytes, headers: ["Cache-Control": CachePolicy.openAPI]), request: call.request)
    }
}
