import EdgeJSON

/// The OFREP routes in `/openapi.json`: OpenFeature's shapes (service/openapi.yaml of
/// open-feature/protocol) as this server answers them.
enum OFREPOpenAPI {
    private static func ref(_ name: String) -> JSONValue { EdgeFlagsOpenAPI.ref(name) }
    private static let string: JSONValue = ["type": "string"]
    private static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var out: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { out["required"] = .array(required.map(JSONValue.string)) }
        return .object(out)
    }
    private static let reasons: JSONValue = ["STATIC", "TARGETING_MATCH", "SPLIT", "DISABLED", "DEFAULT", "UNKNOWN", "ERROR"]
    private static let scalar: JSONValue = ["anyOf": [["type": "string"], ["type": "number"]]]

    static let schemas: [String: JSONValue] = [
        "OFREPContext": [
            "type": "object",
            "description": "targetingKey is the user's key; environment picks a token's environment; every other attribute is evaluated by its name.",
            "properties": ["targetingKey": string, "environment": string, "email": scalar, "phone": scalar, "plan": scalar],
        ],
        "OFREPEvaluationRequest": object(["context": ref("OFREPContext")]),
        "OFREPEvaluationSuccess": object(["key": string, "value": ["description": "the flag's value, of its JSON type"],
                                          "reason": ["type": "string", "enum": reasons], "variant": string,
                                          "metadata": ["type": "object"]],
                                         required: ["key", "value", "reason", "variant"]),
        "OFREPEvaluationFailure": object(["key": string, "errorCode": ["type": "string", "enum": [
                                              "PARSE_ERROR", "TARGETING_KEY_MISSING", "INVALID_CONTEXT", "GENERAL"]],
                                          "errorDetails": string], required: ["errorCode"]),
        "OFREPFlagNotFound": object(["key": string, "errorCode": ["type": "string", "enum": ["FLAG_NOT_FOUND"]],
                                     "errorDetails": string], required: ["key", "errorCode"]),
        "OFREPGeneralError": object(["errorCode": string, "errorDetails": string], required: ["errorCode"]),
        "OFREPEventStream": object(["type": ["type": "string", "enum": ["sse"]], "url": string,
                                    "inactivityDelaySec": ["type": "integer", "minimum": 0]], required: ["type", "url"]),
        "OFREPBulkEvaluationSuccess": object([
            "flags": ["type": "array", "items": ["anyOf": [ref("OFREPEvaluationSuccess"), ref("OFREPEvaluationFailure")]]],
            "eventStreams": ["type": "array", "items": ref("OFREPEventStream")],
            "metadata": ["type": "object"],
        ], required: ["flags"]),
        "OFREPConfiguration": object(["name": string, "capabilities": ["type": "object"]], required: ["capabilities"]),
    ]

    static func operation(_ route: Route, id: String) -> JSONValue {
        var op: [String: JSONValue] = [
            "tags": [.string(route.tag)], "summary": .string(route.summary), "operationId": .string(id),
            "security": [["apiKey": []], ["bearer": []]],
        ]
        func json(_ description: String, _ schema: String) -> JSONValue {
            ["description": .string(description), "content": ["application/json": ["schema": ref(schema)]]]
        }
        var parameters: [JSONValue] = []
        var responses: [String: JSONValue] = [
            "401": ["description": "Missing, unknown, revoked or expired credential (no body)"],
            "403": ["description": "A token without read:flags (no body)"],
            "429": ["description": "Rate limit exceeded (no body)", "headers": ["Retry-After": [
                "description": "seconds to wait", "schema": ["type": "integer"]]]],
        ]
        switch route.path {
        case "/ofrep/v1/evaluate/flags/{key}":
            parameters.append(["name": "key", "in": "path", "required": true, "schema": string])
            op["requestBody"] = ["required": false, "content": ["application/json": ["schema": ref("OFREPEvaluationRequest")]]]
            responses["200"] = json("The flag's value", "OFREPEvaluationSuccess")
            responses["400"] = json("PARSE_ERROR, INVALID_CONTEXT, TARGETING_KEY_MISSING", "OFREPEvaluationFailure")
            responses["404"] = json("FLAG_NOT_FOUND (also another project's or environment's)", "OFREPFlagNotFound")
            responses["413"] = json("Context over 64 KB (GENERAL)", "OFREPGeneralError")
        case "/ofrep/v1/evaluate/flags":
            op["requestBody"] = ["required": false, "content": ["application/json": ["schema": ref("OFREPEvaluationRequest")]]]
            parameters.append(header("If-None-Match", "the ETag of an answer held → 304"))
            responses["200"] = ["description": "Every flag's value", "headers": ["ETag": ["schema": string]],
                                "content": ["application/json": ["schema": ref("OFREPBulkEvaluationSuccess")]]]
            responses["304"] = ["description": "Not modified: same flags, same context"]
            responses["400"] = json("PARSE_ERROR, INVALID_CONTEXT", "OFREPGeneralError")
            responses["413"] = json("Context over 64 KB (GENERAL)", "OFREPGeneralError")
        case "/ofrep/v1/configuration":
            parameters.append(header("If-None-Match", "the ETag of an answer held → 304"))
            responses["200"] = json("Capabilities", "OFREPConfiguration")
            responses["304"] = ["description": "Not modified"]
        default:
            parameters.append(["name": "api_key", "in": "query", "required": false, "schema": string,
                               "description": "the fs_ key or ff_ token, for EventSource clients that cannot set headers"])
            responses["200"] = ["description": "text/event-stream: refetchEvaluation events, heartbeats",
                                "content": ["text/event-stream": ["schema": string]]]
        }
        if !parameters.isEmpty { op["parameters"] = .array(parameters) }
        op["responses"] = .object(responses)
        return .object(op)
    }

    private static func header(_ name: String, _ description: String) -> JSONValue {
        ["name": .string(name), "in": "header", "required": false, "description": .string(description), "schema": string]
    }
}
