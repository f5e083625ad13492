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
    private static let flagCategory: JSONValue = ["type": "string", "enum": .array(FSFlags.categories.map(JSONValue.string)),
                                                  "default": "release"]
    private static let flagStatus: JSONValue = ["type": "string", "enum": .array(FSFlags.statuses.map(JSONValue.string)),
                                                "default": "active"]
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
                         "details": ["type": "object"],
                         // On the runner's own errors: the request's `X-Request-Id`.
                         "request_id": string], required: ["error", "code"]),
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
        "POST /console/session": "FSLoginInput", "POST /console/session/register": "FSRegisterInput",
        "POST /api/v1/tokens": "TokenInput", "POST /api/v1/flags": "FlagInput", "PUT /api/v1/flags/{key}": "FlagUpdate",
        "PUT /api/v1/flags/{key}/environments/{env}": "FlagOverride", "POST /api/v1/configs": "ConfigInput",
        "PUT /api/v1/configs/{key}": "ConfigUpdate", "PUT /api/v1/configs/{key}/environments/{env}": "EnvironmentValue",
        "POST /api/v1/segments": "SegmentInput", "PUT /api/v1/segments/{key}": "SegmentUpdate",
        "POST /api/v1/evaluate": "EvaluateRequest", "PUT /api/v1/project": "ProjectInput",
        "POST /api/v1/project/environments": "EnvironmentInput", "POST /api/v1/webhooks": "WebhookInput",
    ]

    static let responses: [String: (String, String)] = [
        "GET /health": ("200", "Health"), "GET /openapi.json": ("200", "OpenAPIDocument"),
        "POST /console/session": ("200", "ConsoleSession"), "POST /console/session/register": ("201", "ConsoleSession"),
        "POST /console/session/refresh": ("200", "ConsoleSession"),
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

    // MARK: FeatureSignals (`/v1`)

    private static let uuid: JSONValue = ["type": "string", "format": "uuid"]
    private static let condition = object(["attribute": string, "operator": ["type": "string", "enum": [
        "eq", "neq", "contains", "startsWith", "endsWith", "in", "notIn", "gt", "gte", "lt", "lte", "regex", "exists"]],
                                           "values": array(anyValue)], required: ["attribute", "operator"])
    private static let basisPoints: JSONValue = ["type": "integer", "minimum": 0, "maximum": 10000]
    private static let reason: JSONValue = ["type": "string", "enum": [
        "NOT_FOUND", "DISABLED", "MUTUALLY_EXCLUDED", "PREREQUISITE_FAILED", "TARGETED", "ROLLOUT", "VARIANT", "FALLTHROUGH"]]

    static let featureSignals: [String: JSONValue] = [
        "FSError": object(["error": string], required: ["error"]),
        "FSObject": ["type": "object"],
        // What register checks: an address with "@", a password of 8 or more, names that are not blank.
        "FSRegisterInput": object(["email": ["type": "string", "maxLength": 254, "pattern": "@"],
                                   "password": ["type": "string", "minLength": 8, "maxLength": 1024],
                                   "name": ["type": "string", "maxLength": 200, "pattern": "[^ \\t]"],
                                   "org_name": ["type": "string", "maxLength": 200, "pattern": "[^ \\t]"]],
                                  required: ["email", "password", "name", "org_name"]),
        "FSLoginInput": object(["email": string, "password": string], required: ["email", "password"]),
        "FSRefreshInput": object(["refresh_token": string], required: ["refresh_token"]),
        "FSTokens": object(["access_token": string, "refresh_token": string, "expires_at": integer],
                           required: ["access_token", "refresh_token", "expires_at"]),
        "FSUser": object(["id": uuid, "email": string, "name": string, "created_at": timestamp, "updated_at": timestamp]),
        "FSOrganization": object(["id": uuid, "name": string, "slug": string, "created_at": timestamp, "updated_at": timestamp]),
        "FSRegistered": object(["user": ref("FSUser"), "organization": ref("FSOrganization"), "tokens": ref("FSTokens")],
                               required: ["user", "organization", "tokens"]),
        "FSLoggedIn": object(["user": ref("FSUser"), "tokens": ref("FSTokens")], required: ["user", "tokens"]),
        // The console's sign-in: no refresh token in the body (it is in an HttpOnly cookie).
        "ConsoleSession": object(["access_token": string, "expires_at": integer, "csrf_token": string, "user": ref("FSUser"),
                                  "org_id": string, "role": string],
                                 required: ["access_token", "expires_at", "csrf_token", "user", "org_id", "role"]),
        "FSProject": object(["id": uuid, "org_id": uuid, "name": string, "slug": string, "created_at": timestamp,
                             "updated_at": timestamp]),
        "FSProjectList": array(ref("FSProject")),
        "FSProjectInput": object(["name": string, "slug": string], required: ["name"]),
        "FSEnvironment": object(["id": uuid, "project_id": uuid, "name": string, "slug": string, "color": string,
                                 "created_at": timestamp]),
        "FSEnvironmentList": array(ref("FSEnvironment")),
        "FSEnvironmentInput": object(["name": string, "slug": string, "color": string], required: ["name"]),
        "FSFlagInput": object(["key": key, "name": string, "description": string, "flag_type": ["type": "string", "enum": [
            "boolean", "string", "number", "json", "ab"]], "category": flagCategory, "status": flagStatus,
                               "default_value": anyValue, "tags": array(string),
                               "prerequisites": array(string), "mutual_exclusion_group": string, "expires_at": timestamp]),
        "FSFlag": object(["id": uuid, "project_id": uuid, "key": key, "name": string, "description": string,
                          "flag_type": string, "category": flagCategory, "status": flagStatus, "default_value": anyValue,
                          "tags": array(string),
                          "prerequisites": array(string), "mutual_exclusion_group": string, "expires_at": timestamp,
                          "created_at": timestamp, "updated_at": timestamp]),
        "FSFlagList": array(ref("FSFlag")),
        "FSFlagSwitchList": array(object(["flag_key": key, "env_id": uuid, "enabled": boolean])),
        "FSFlagState": object(["flag_id": uuid, "flag_key": key, "env_id": uuid, "enabled": boolean, "default_value": anyValue,
                               "rules": array(object(["priority": integer, "conditions": array(condition),
                                                      "match_type": string, "segment_keys": array(string),
                                                      "percentage": basisPoints, "value": anyValue])),
                               "percentage_rollout": basisPoints,
                               "variants": array(object(["key": string, "weight": basisPoints, "value": anyValue])),
                               "scheduled_enable_at": timestamp, "scheduled_disable_at": timestamp,
                               "updated_at": timestamp]),
        "FSPromoteInput": object(["source_env_id": uuid, "target_env_id": uuid], required: ["source_env_id", "target_env_id"]),
        "FSKillInput": object(["env_id": uuid], required: ["env_id"]),
        "FSSegment": object(["id": uuid, "project_id": uuid, "key": key, "name": string, "description": string,
                             "match_type": ["type": "string", "enum": ["all", "any"]], "rules": array(condition),
                             "created_at": timestamp, "updated_at": timestamp]),
        "FSSegmentList": array(ref("FSSegment")),
        "FSAPIKeyInput": object(["name": string, "type": ["type": "string", "enum": ["server", "client"]],
                                 "expires_in_days": ["type": "integer", "minimum": 0, "maximum": 36500]], required: ["name"]),
        "FSAPIKeyCreated": object(["id": uuid, "key": string, "key_prefix": string, "name": string, "type": string,
                                   "env_id": uuid, "created_at": timestamp, "expires_at": timestamp],
                                  required: ["id", "key", "key_prefix", "name", "type", "env_id", "created_at"]),
        "FSAPIKeyList": array(object(["id": uuid, "key_prefix": string, "name": string, "type": string, "env_id": uuid,
                                      "created_at": timestamp, "expires_at": timestamp, "last_used_at": timestamp])),
        "FSAuditList": array(object(["id": uuid, "org_id": uuid, "project_id": uuid, "actor_id": uuid,
                                     "actor_type": ["type": "string", "enum": ["user", "system", "token"]], "actor": string,
                                     "action": string, "resource_type": string, "resource_id": string,
                                     "resource_key": string, "before_state": anyValue, "after_state": anyValue,
                                     "metadata": ["type": "object"], "created_at": timestamp])),
        "FSWebhookInput": object(["name": string, "url": string, "secret": string, "events": array(string),
                                  "enabled": boolean]),
        "FSWebhook": object(["id": uuid, "org_id": uuid, "name": string, "url": string, "events": array(string),
                             "enabled": boolean, "has_secret": boolean, "created_at": timestamp, "updated_at": timestamp]),
        "FSWebhookList": array(ref("FSWebhook")),
        "FSDeliveryList": array(object(["id": uuid, "webhook_id": uuid, "event_type": string, "attempt": integer,
                                        "response_status": integer, "success": boolean, "payload": anyValue,
                                        "delivered_at": timestamp])),
        "FSMember": object(["id": uuid, "user_id": uuid, "org_id": uuid, "email": string, "name": string,
                            "role": ["type": "string", "enum": ["owner", "admin", "developer", "viewer"]],
                            "created_at": timestamp]),
        "FSMemberList": array(ref("FSMember")),
        "FSInviteInput": object(["email": string, "role": ["type": "string", "enum": ["owner", "admin", "developer", "viewer"],
                                                             "default": "developer"], "name": string, "password": string],
                                required: ["email"]),
        "FSRoleInput": object(["role": string], required: ["role"]),
        "FSPermissions": array(object(["env_id": uuid, "can_toggle": boolean, "can_edit_rules": boolean])),
        "FSContext": object(["key": string, "attributes": ["type": "object"]], required: ["key"]),
        "FSEvaluateInput": object(["flag_key": string, "context": ref("FSContext")], required: ["flag_key", "context"]),
        "FSEvalResult": object(["flag_key": string, "value": anyValue, "reason": reason, "variant_key": string],
                               required: ["flag_key", "value", "reason"]),
        "FSBulkInput": object(["flag_keys": ["type": "array", "items": string, "maxItems": 100], "context": ref("FSContext")],
                              required: ["context"]),
        "FSBulkResult": map(ref("FSEvalResult")),
        "FSClientFlags": map(anyValue),
        "FSEvaluationMetrics": object(["since": timestamp, "total": integer, "flags": array(object([
            "project_id": uuid, "flag_key": string, "total": integer, "reasons": map(integer)]))]),
        "FSApprovalInput": object(["project_id": uuid, "flag_key": key, "env_id": uuid, "payload": ["type": "object"],
                                   "note": string], required: ["project_id", "flag_key", "env_id", "payload"]),
        "FSApproval": object(["id": uuid, "org_id": uuid, "project_id": uuid, "flag_key": key, "env_id": uuid,
                              "payload": ["type": "object"], "note": string,
                              "status": ["type": "string", "enum": ["pending", "applied", "rejected"]],
                              "requested_by": uuid, "reviewed_by": uuid, "review_note": string,
                              "created_at": timestamp, "reviewed_at": timestamp]),
        "FSApprovalList": array(ref("FSApproval")),
        "FSReviewInput": object(["action": ["type": "string", "enum": ["approve", "reject"]], "note": string],
                                required: ["action"]),
        "FSTrackInput": object(["flag_key": string, "variant_key": string, "user_key": string], required: ["flag_key"]),
    ]

    static let featureSignalsRequests: [String: String] = [
        "POST /v1/auth/register": "FSRegisterInput", "POST /v1/auth/login": "FSLoginInput",
        "POST /v1/auth/refresh": "FSRefreshInput", "POST /v1/projects": "FSProjectInput",
        "POST /v1/projects/{id}/environments": "FSEnvironmentInput", "POST /v1/projects/{id}/flags": "FSFlagInput",
        "PUT /v1/projects/{id}/flags/{key}": "FSFlagInput", "PUT /v1/projects/{id}/flags/{key}/environments/{envID}": "FSFlagState",
        "POST /v1/projects/{id}/flags/{key}/promote": "FSPromoteInput", "POST /v1/projects/{id}/flags/{key}/kill": "FSKillInput",
        "POST /v1/projects/{id}/segments": "FSSegment", "PUT /v1/projects/{id}/segments/{key}": "FSSegment",
        "POST /v1/environments/{envID}/api-keys": "FSAPIKeyInput", "POST /v1/webhooks": "FSWebhookInput",
        "PUT /v1/webhooks/{id}": "FSWebhookInput", "POST /v1/members/invite": "FSInviteInput",
        "PUT /v1/members/{id}": "FSRoleInput", "PUT /v1/members/{id}/permissions": "FSPermissions",
        "POST /v1/approvals": "FSApprovalInput", "POST /v1/approvals/{id}/review": "FSReviewInput",
        "POST /v1/evaluate": "FSEvaluateInput", "POST /v1/evaluate/bulk": "FSBulkInput", "POST /v1/track": "FSTrackInput",
    ]

    static let featureSignalsResponses: [String: (String, String)] = [
        "POST /v1/auth/register": ("201", "FSRegistered"), "POST /v1/auth/login": ("200", "FSLoggedIn"),
        "POST /v1/auth/refresh": ("200", "FSTokens"), "GET /v1/projects": ("200", "FSProjectList"),
        "POST /v1/projects": ("201", "FSProject"), "GET /v1/projects/{id}": ("200", "FSProject"),
        "GET /v1/projects/{id}/environments": ("200", "FSEnvironmentList"),
        "POST /v1/projects/{id}/environments": ("201", "FSEnvironment"),
        "GET /v1/projects/{id}/flags": ("200", "FSFlagList"), "GET /v1/projects/{id}/flag-states": ("200", "FSFlagSwitchList"), "POST /v1/projects/{id}/flags": ("201", "FSFlag"),
        "GET /v1/projects/{id}/flags/{key}": ("200", "FSFlag"), "PUT /v1/projects/{id}/flags/{key}": ("200", "FSFlag"),
        "GET /v1/projects/{id}/flags/{key}/environments/{envID}": ("200", "FSFlagState"),
        "PUT /v1/projects/{id}/flags/{key}/environments/{envID}": ("200", "FSFlagState"),
        "POST /v1/projects/{id}/flags/{key}/promote": ("200", "FSFlagState"),
        "POST /v1/projects/{id}/flags/{key}/kill": ("200", "FSFlagState"),
        "GET /v1/projects/{id}/segments": ("200", "FSSegmentList"), "POST /v1/projects/{id}/segments": ("201", "FSSegment"),
        "GET /v1/projects/{id}/segments/{key}": ("200", "FSSegment"), "PUT /v1/projects/{id}/segments/{key}": ("200", "FSSegment"),
        "POST /v1/environments/{envID}/api-keys": ("201", "FSAPIKeyCreated"),
        "GET /v1/environments/{envID}/api-keys": ("200", "FSAPIKeyList"), "GET /v1/audit": ("200", "FSAuditList"),
        "GET /v1/webhooks": ("200", "FSWebhookList"), "POST /v1/webhooks": ("201", "FSWebhook"),
        "GET /v1/webhooks/{id}": ("200", "FSWebhook"), "PUT /v1/webhooks/{id}": ("200", "FSWebhook"),
        "GET /v1/webhooks/{id}/deliveries": ("200", "FSDeliveryList"), "GET /v1/members": ("200", "FSMemberList"),
        "POST /v1/members/invite": ("201", "FSMember"), "PUT /v1/members/{id}": ("200", "FSMember"),
        "GET /v1/members/{id}/permissions": ("200", "FSPermissions"), "PUT /v1/members/{id}/permissions": ("200", "FSPermissions"),
        "POST /v1/evaluate": ("200", "FSEvalResult"), "POST /v1/evaluate/bulk": ("200", "FSBulkResult"),
        "GET /v1/client/{envKey}/flags": ("200", "FSClientFlags"),
        "GET /v1/metrics/evaluations": ("200", "FSEvaluationMetrics"),
        "GET /v1/approvals": ("200", "FSApprovalList"), "POST /v1/approvals": ("201", "FSApproval"),
        "GET /v1/approvals/{id}": ("200", "FSApproval"), "POST /v1/approvals/{id}/review": ("200", "FSApproval"), "POST /v1/track": ("204", ""),
    ]
}
