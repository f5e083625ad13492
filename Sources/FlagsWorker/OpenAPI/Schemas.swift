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
    private static let anyValue: JSONValue = ["description": "any JSON value"]
    private static let timestamp: JSONValue = ["type": "string", "format": "date-time"]
    private static let key: JSONValue = ["type": "string", "pattern": "^[a-z0-9][a-z0-9._-]{0,127}$"]
    private static func array(_ items: JSONValue) -> JSONValue { ["type": "array", "items": items] }
    private static func map(_ values: JSONValue) -> JSONValue { ["type": "object", "additionalProperties": values] }
    private static func ref(_ name: String) -> JSONValue { EdgeFlagsOpenAPI.ref(name) }
    private static func list(_ name: String, _ item: JSONValue) -> JSONValue {
        object([name: array(item), "total": integer, "has_more": boolean], required: [name, "total", "has_more"])
    }

    static let all: [String: JSONValue] = [
        "Error": object(["error": string, "code": ["type": "string", "enum": [
            "VALIDATION_ERROR", "UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "METHOD_NOT_ALLOWED", "CONFLICT",
            "PAYLOAD_TOO_LARGE", "RATE_LIMITED", "INTERNAL_ERROR", "UPGRADE_REQUIRED"]],
                         "details": ["type": "object"]], required: ["error", "code"]),
        "Health": object(["status": string, "environment": string], required: ["status", "environment"]),
        "OpenAPIDocument": ["type": "object", "description": "this document"],
        "Success": object(["success": boolean], required: ["success"]),
        "Condition": object(["property": string, "operator": ["type": "string", "enum": [
            "equals", "not_equals", "contains", "not_contains", "starts_with", "ends_with", "in", "not_in",
            "gt", "gte", "lt", "lte", "regex"]], "value": anyValue], required: ["property", "operator", "value"]),
        "Targeting": object(["rules": array(object(["conditions": array(ref("Condition")), "value": anyValue])),
                             "rollout": object(["percentage": ["type": "number", "minimum": 0, "maximum": 100],
                                                "attribute": string])]),
        "FlagOverride": object(["enabled": boolean, "value": anyValue, "targeting": ref("Targeting")]),
        "FlagInput": object(["key": key, "enabled": boolean, "value": anyValue, "targeting": ref("Targeting"),
                             "environments": map(ref("FlagOverride")), "active_from": timestamp, "active_until": timestamp,
                             "name": string, "description": string,
                             "type": ["type": "string", "enum": ["boolean", "string", "number", "json"]],
                             "defaultValue": anyValue], required: ["key", "enabled"]),
        "Flag": object(["key": key, "enabled": boolean, "value": anyValue, "targeting": ref("Targeting"),
                        "environments": map(ref("FlagOverride")), "active_from": timestamp, "active_until": timestamp,
                        "name": string, "type": string, "defaultValue": anyValue, "version": integer,
                        "created_at": timestamp, "updated_at": timestamp]),
        "FlagEnvelope": object(["key": key, "flag": ref("Flag")], required: ["key", "flag"]),
        "FlagList": list("flags", ref("FlagEnvelope")),
        "FlagEvaluation": object(["value": anyValue, "type": string, "reason": ["type": "string", "enum": [
            "disabled", "environment_override", "override", "targeting", "rollout", "default"]]],
                                 required: ["value", "type", "reason"]),
        "ConfigInput": object(["key": key, "value": anyValue, "environments": map(object(["value": anyValue]))],
                              required: ["key", "value"]),
        "Config": object(["key": key, "value": anyValue, "environments": map(object(["value": anyValue])),
                          "version": integer, "created_at": timestamp, "updated_at": timestamp]),
        "ConfigEnvelope": object(["key": key, "config": ref("Config")], required: ["key", "config"]),
        "ConfigList": list("configs", ref("ConfigEnvelope")),
        "ConfigValue": object(["value": anyValue], required: ["value"]),
        "EnvironmentValue": object(["value": anyValue], required: ["value"]),
        "SegmentInput": object(["key": key, "conditions": array(ref("Condition")), "name": string],
                               required: ["key", "conditions"]),
        "Segment": object(["key": key, "conditions": array(ref("Condition")), "version": integer,
                           "created_at": timestamp, "updated_at": timestamp]),
        "SegmentEnvelope": object(["key": key, "segment": ref("Segment")], required: ["key", "segment"]),
        "SegmentList": list("segments", ref("SegmentEnvelope")),
        "Context": object(["user_id": string, "email": string, "phone": string, "plan": string,
                           "segments": array(string), "environment": string, "custom": ["type": "object"]]),
        "EvaluateRequest": object(["context": ref("Context"), "flags": array(string), "configs": array(string)]),
        "EvaluateResponse": object(["flags": map(anyValue), "configs": map(anyValue)], required: ["flags", "configs"]),
        "TokenInput": object(["name": string, "project_id": string,
                              "permissions": array(["type": "string", "enum": ["read:flags", "read:configs", "write:flags",
                                                                                "write:configs", "*"]]),
                              "expires_at": timestamp], required: ["name", "project_id", "permissions"]),
        "TokenMeta": object(["name": string, "token_prefix": string, "project_id": string, "permissions": array(string),
                             "created_at": timestamp, "expires_at": timestamp]),
        "TokenCreated": object(["success": boolean, "token": string, "meta": ref("TokenMeta")],
                               required: ["success", "token", "meta"]),
        "Token": object(["hash": string, "name": string, "token_prefix": string, "project_id": string,
                         "permissions": array(string), "created_at": timestamp, "expires_at": timestamp]),
        "TokenList": object(["tokens": array(ref("Token"))], required: ["tokens"]),
        "Project": object(["id": string, "name": string, "slug": string, "environments": array(string)]),
        "ProjectInput": object(["name": string], required: ["name"]),
        "EnvironmentList": object(["environments": array(string)], required: ["environments"]),
        "EnvironmentInput": object(["name": key], required: ["name"]),
        "AuditEntry": object(["timestamp": timestamp, "actor": string,
                              "action": ["type": "string", "enum": ["create", "update", "delete"]],
                              "resource_type": string, "resource_key": string, "project_id": string,
                              "before": anyValue, "after": anyValue]),
        "AuditList": list("entries", ref("AuditEntry")),
        "WebhookInput": object(["url": ["type": "string", "format": "uri"], "events": array(string), "secret": string],
                               required: ["url", "events"]),
        "Webhook": object(["id": string, "url": string, "events": array(string), "has_secret": boolean,
                           "created_at": timestamp]),
        "WebhookList": object(["webhooks": array(ref("Webhook"))], required: ["webhooks"]),
    ]

    static let requestBody: [String: String] = [
        "POST /api/v1/tokens": "TokenInput", "POST /api/v1/flags": "FlagInput", "PUT /api/v1/flags/{key}": "FlagInput",
        "PUT /api/v1/flags/{key}/environments/{env}": "FlagOverride", "POST /api/v1/configs": "ConfigInput",
        "PUT /api/v1/configs/{key}": "ConfigInput", "PUT /api/v1/configs/{key}/environments/{env}": "EnvironmentValue",
        "POST /api/v1/segments": "SegmentInput", "PUT /api/v1/segments/{key}": "SegmentInput",
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
