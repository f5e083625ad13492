import EdgeJSON

/// The component schemas of `/openapi.json`, and which route takes and answers which.
enum Schemas {
    private static func object(_ properties: [String: JSONValue], required: [String] = []) -> JSONValue {
        var out: [String: JSONValue] = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { out["required"] = .array(required.map(JSONValue.string)) }
        return .object(out)
    }
    private static let string: JSONValue = ["type": "string"]
    private static let integer: JSONValue = ["type": "integer"]
    private static let boolean: JSONValue = ["type": "boolean"]
    /// Any JSON value, null included: in a request, null means "not given" (a merge removes the field).
    private static let anyValue: JSONValue = ["description": "any JSON value"]
    /// What the API stores and answers as a value: any JSON but null.
    private static let jsonValue: JSONValue = ["description": "any JSON value but null", "anyOf": [
        ["type": "string"], ["type": "number"], ["type": "boolean"], ["type": "object"], ["type": "array", "items": [:]]]]
    private static let timestamp: JSONValue = ["type": "string", "format": "date-time"]
    private static let key: JSONValue = ["type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,127}$"]
    private static let label: JSONValue = ["type": "string", "minLength": 1, "maxLength": 200]
    private static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    private static func map(_ values: JSONValue) -> JSONValue { ["type": "object", "additionalProperties": values] }
    private static func ref(_ name: String) -> JSONValue { EdgeFlagsOpenAPI.ref(name) }
    /// An optional request field: the API takes null as "not given" (and a merge as "remove it").
    private static func nullable(_ schema: JSONValue) -> JSONValue {
        guard var fields = schema.objectValue, fields["$ref"] == nil else { return ["allOf": [schema], "nullable": true] }
        fields["nullable"] = true
        if case .array(let values)? = fields["enum"] { fields["enum"] = .array(values + [.null]) }
        return .object(fields)
    }
    /// A context field: a string, or a number (numeric operators compare it as one).
    private static let scalar: JSONValue = ["anyOf": [["type": "string", "nullable": true], ["type": "number"]]]
    private static let operators: [JSONValue] = ["equals", "not_equals", "contains", "not_contains", "starts_with",
                                                 "ends_with", "gt", "gte", "lt", "lte"]
    private static let events: JSONValue = ["type": "string", "enum": .array(Webhooks.events.sorted().map(JSONValue.string))]
    private static func list(_ name: String, _ item: JSONValue) -> JSONValue {
        object([name: array(item), "total": integer, "has_more": boolean], required: [name, "total", "has_more"])
    }

    static let all: [String: JSONValue] = [
        // The last five are the runner's own, for what never reaches the API (malformed HTTP, limits).
        "Error": object(["error": string, "code": ["type": "string", "enum": [
            "VALIDATION_ERROR", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "METHOD_NOT_ALLOWED", "CONFLICT",
            "PAYLOAD_TOO_LARGE", "RATE_LIMITED", "INTERNAL_ERROR", "UPGRADE_REQUIRED",
            "BAD_REQUEST", "REQUEST_TIMEOUT", "HEADERS_TOO_LARGE", "NOT_IMPLEMENTED", "UNAVAILABLE"]],
                         "details": ["type": "object"]], required: ["error", "code"]),
        "Health": object(["status": string, "environment": string], required: ["status", "environment"]),
        "OpenAPIDocument": ["type": "object", "description": "this document"],
        "Success": object(["success": boolean], required: ["success"]),
        // The operator decides what `value` is: a list for in/not_in, a pattern for regex (compiled when
        // written: a pattern the engine refuses is a 400), any value otherwise. `property: "segment"`
        // takes in/not_in only.
        "Condition": ["oneOf": [
            object(["property": ["type": "string", "minLength": 1], "operator": ["type": "string", "enum": ["in", "not_in"]],
                    "value": array(anyValue)], required: ["property", "operator", "value"]),
            object(["property": ["type": "string", "minLength": 1, "not": ["enum": ["segment"]]],
                    "operator": ["type": "string", "enum": ["regex"]], "value": ["type": "string", "maxLength": 256]],
                   required: ["property", "operator", "value"]),
            object(["property": ["type": "string", "minLength": 1, "not": ["enum": ["segment"]]],
                    "operator": ["type": "string", "enum": .array(operators)], "value": anyValue],
                   required: ["property", "operator"]),
        ]],
        "Targeting": object(["rules": nullable(array(object(["conditions": nullable(array(ref("Condition"))),
                                                             "value": anyValue]))),
                             "rollout": nullable(object(["percentage": ["type": "number", "minimum": 0, "maximum": 100],
                                                         "attribute": nullable(string)], required: ["percentage"]))]),
        "FlagOverride": object(["enabled": nullable(boolean), "value": anyValue, "targeting": nullable(ref("Targeting"))]),
        "FlagInput": object(flagFields.merging(["key": key, "enabled": boolean]) { $1 }, required: ["key", "enabled"]),
        "FlagUpdate": object(flagFields),
        "Flag": object(["key": key, "enabled": boolean, "value": jsonValue, "targeting": ref("Targeting"),
                        "environments": map(ref("FlagOverride")), "active_from": timestamp, "active_until": timestamp,
                        "name": string, "description": string, "tags": array(string), "type": string,
                        "defaultValue": jsonValue, "version": integer, "created_at": timestamp, "updated_at": timestamp],
                       required: ["key", "enabled", "version"]),
        "FlagEnvelope": object(["key": key, "flag": ref("Flag")], required: ["key", "flag"]),
        "FlagList": list("flags", ref("FlagEnvelope")),
        "FlagEvaluation": object(["value": jsonValue, "type": string, "reason": ["type": "string", "enum": [
            "disabled", "environment_override", "override", "targeting", "rollout", "default"]]],
                                 required: ["value", "type", "reason"]),
        "ConfigInput": object(configFields.merging(["key": key, "value": jsonValue]) { $1 }, required: ["key", "value"]),
        "ConfigUpdate": object(configFields.merging(["value": jsonValue]) { $1 }),
        "Config": object(["key": key, "value": jsonValue, "environments": map(ref("EnvironmentValue")), "name": string,
                          "description": string, "version": integer, "created_at": timestamp, "updated_at": timestamp],
                         required: ["key", "value", "version"]),
        "ConfigEnvelope": object(["key": key, "config": ref("Config")], required: ["key", "config"]),
        "ConfigList": list("configs", ref("ConfigEnvelope")),
        "ConfigValue": object(["value": jsonValue], required: ["value"]),
        "EnvironmentValue": object(["value": jsonValue], required: ["value"]),
        "SegmentInput": object(segmentFields.merging(["key": key, "conditions": array(ref("Condition"))]) { $1 },
                               required: ["key", "conditions"]),
        "SegmentUpdate": object(segmentFields.merging(["conditions": array(ref("Condition"))]) { $1 }),
        "Segment": object(["key": key, "conditions": array(ref("Condition")), "name": string, "description": string,
                           "version": integer, "created_at": timestamp, "updated_at": timestamp],
                          required: ["key", "conditions", "version"]),
        "SegmentEnvelope": object(["key": key, "segment": ref("Segment")], required: ["key", "segment"]),
        "SegmentList": list("segments", ref("SegmentEnvelope")),
        "Context": object(["user_id": scalar, "email": scalar, "phone": scalar, "plan": scalar,
                           "segments": nullable(array(string)), "environment": scalar,
                           "custom": nullable(["type": "object"])]),
        "EvaluateRequest": object(["context": nullable(ref("Context")), "flags": nullable(array(string)),
                                   "configs": nullable(array(string))]),
        "EvaluateResponse": object(["flags": map(jsonValue), "configs": map(jsonValue)], required: ["flags", "configs"]),
        // expires_at must also lie in the future (400 otherwise), and project_id be the token's own (403).
        "TokenInput": object(["name": label, "project_id": string,
                              "permissions": ["type": "array", "minItems": 1, "items": ["type": "string", "enum": [
                                  "read:flags", "read:configs", "write:flags", "write:configs", "*"]]],
                              "expires_at": nullable(timestamp)], required: ["name", "project_id", "permissions"]),
        "TokenMeta": object(["name": string, "token_prefix": string, "project_id": string, "permissions": array(string),
                             "created_at": timestamp, "expires_at": timestamp]),
        "TokenCreated": object(["success": boolean, "token": string, "meta": ref("TokenMeta")],
                               required: ["success", "token", "meta"]),
        "Token": object(["hash": string, "name": string, "token_prefix": string, "project_id": string,
                         "permissions": array(string), "created_at": timestamp, "expires_at": timestamp]),
        "TokenList": object(["tokens": array(ref("Token"))], required: ["tokens"]),
        "Project": object(["id": string, "name": string, "slug": string, "environments": array(string)]),
        "ProjectInput": object(["name": label], required: ["name"]),
        "EnvironmentList": object(["environments": array(string)], required: ["environments"]),
        "EnvironmentInput": object(["name": key], required: ["name"]),
        "AuditEntry": object(["timestamp": timestamp, "actor": string,
                              "action": ["type": "string", "enum": ["create", "update", "delete"]],
                              "resource_type": string, "resource_key": string, "project_id": string,
                              "before": anyValue, "after": anyValue]),
        "AuditList": list("entries", ref("AuditEntry")),
        // The target must also be public: private, loopback and link-local hosts are a 400, unless
        // WEBHOOKS_ALLOW_PRIVATE_TARGETS allows them (and plain http).
        "WebhookInput": object(["url": ["type": "string", "format": "uri", "pattern": "^https://[A-Za-z0-9\\[]"],
                                "events": ["type": "array", "minItems": 1, "items": events], "secret": nullable(string)],
                               required: ["url", "events"]),
        "Webhook": object(["id": string, "url": string, "events": array(string), "has_secret": boolean,
                           "created_at": timestamp]),
        "WebhookList": object(["webhooks": array(ref("Webhook"))], required: ["webhooks"]),
    ]

    private static let flagFields: [String: JSONValue] = [
        "enabled": boolean, "value": anyValue, "targeting": nullable(ref("Targeting")),
        "environments": nullable(map(ref("FlagOverride"))), "active_from": nullable(timestamp),
        "active_until": nullable(timestamp), "name": nullable(string), "description": nullable(string),
        "tags": nullable(array(string)), "type": nullable(["type": "string", "enum": ["boolean", "string", "number", "json"]]),
        "defaultValue": anyValue,
    ]
    private static let configFields: [String: JSONValue] = [
        "environments": nullable(map(ref("EnvironmentValue"))), "name": nullable(string), "description": nullable(string),
    ]
    private static let segmentFields: [String: JSONValue] = ["name": nullable(string), "description": nullable(string)]

    static let requestBody: [String: String] = [
        "POST /api/v1/tokens": "TokenInput", "POST /api/v1/flags": "FlagInput", "PUT /api/v1/flags/{key}": "FlagUpdate",
        "PUT /api/v1/flags/{key}/environments/{env}": "FlagOverride", "POST /api/v1/configs": "ConfigInput",
        "PUT /api/v1/configs/{key}": "ConfigUpdate", "PUT /api/v1/configs/{key}/environments/{env}": "EnvironmentValue",
        "POST /api/v1/segments": "SegmentInput", "PUT /api/v1/segments/{key}": "SegmentUpdate",
        "POST /api/v1/evaluate": "EvaluateRequest", "PUT /api/v1/project": "ProjectInput",
        "POST /api/v1/project/environments": "EnvironmentInput", "POST /api/v1/webhooks": "WebhookInput",
    ]

    static let responses: [String: (String, String)] = [
        "GET /health": ("200", "Health"), "GET /openapi.json": ("200", "OpenAPIDocument"),
        "POST /api/v1/tokens": ("201", "TokenCreated"), "GET /api/v1/tokens": ("200", "TokenList"),
        "DELETE /api/v1/tokens/{hash}": ("200", "Success"),
        "GET /api/v1/flags": ("200", "FlagList"), "POST /api/v1/flags": ("201", "FlagEnvelope"),
        "GET /api/v1/flags/{key}": ("200", "FlagEvaluation"), "PUT /api/v1/flags/{key}": ("200", "FlagEnvelope"),
        "DELETE /api/v1/flags/{key}": ("200", "Success"),
        "PUT /api/v1/flags/{key}/environments/{env}": ("200", "FlagEnvelope"),
        "DELETE /api/v1/flags/{key}/environments/{env}": ("200", "FlagEnvelope"),
        "GET /api/v1/configs": ("200", "ConfigList"), "POST /api/v1/configs": ("201", "ConfigEnvelope"),
        "GET /api/v1/configs/{key}": ("200", "ConfigValue"), "PUT /api/v1/configs/{key}": ("200", "ConfigEnvelope"),
        "DELETE /api/v1/configs/{key}": ("200", "Success"),
        "PUT /api/v1/configs/{key}/environments/{env}": ("200", "ConfigEnvelope"),
        "DELETE /api/v1/configs/{key}/environments/{env}": ("200", "ConfigEnvelope"),
        "GET /api/v1/segments": ("200", "SegmentList"), "POST /api/v1/segments": ("201", "SegmentEnvelope"),
        "GET /api/v1/segments/{key}": ("200", "SegmentEnvelope"), "PUT /api/v1/segments/{key}": ("200", "SegmentEnvelope"),
        "DELETE /api/v1/segments/{key}": ("200", "Success"),
        "POST /api/v1/evaluate": ("200", "EvaluateResponse"),
        "GET /api/v1/project": ("200", "Project"), "PUT /api/v1/project": ("200", "Project"),
        "GET /api/v1/project/environments": ("200", "EnvironmentList"),
        "POST /api/v1/project/environments": ("201", "EnvironmentList"),
        "DELETE /api/v1/project/environments/{name}": ("200", "Success"),
        "GET /api/v1/audit": ("200", "AuditList"),
        "POST /api/v1/webhooks": ("201", "Webhook"), "GET /api/v1/webhooks": ("200", "WebhookList"),
        "DELETE /api/v1/webhooks/{id}": ("200", "Success"),
    ]
}
