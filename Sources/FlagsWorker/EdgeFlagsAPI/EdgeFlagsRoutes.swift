import EdgeJSON
import EdgeWorker

/// The service's own routes: liveness and the API's description.
enum ServiceRoutes {
    static let all: [Route] = [
        Route(.edgeFlags, "GET", "/health", .open, limit: .none, tag: "service",
              summary: "Liveness and environment", immediate: Service.health),
        Route(.edgeFlags, "GET", "/openapi.json", .open, limit: .none, tag: "service",
              summary: "This API as OpenAPI 3", handler: { _ in
                  .jsonBytes(EdgeFlagsOpenAPI.document, headers: ["Cache-Control": CachePolicy.openAPI]) }),
        Route(.edgeFlags, "GET", "/docs", .open, limit: .none, tag: "service",
              summary: "Interactive API reference", handler: { _ in
                  Response(status: 200, headers: ["Content-Type": "text/html; charset=utf-8", "Cache-Control": CachePolicy.openAPI],
                           bytes: EdgeFlagsOpenAPI.docsPage) }),
    ]
}

/// The EdgeFlags dialect (`/api/v1`, `/stream`): `ff_` tokens by permission.
enum EdgeFlagsRoutes {
    static let all: [Route] = [
        Route(.edgeFlags, "POST", "/api/v1/tokens", .tokenAdministrator, limit: .management, tag: "tokens",
              summary: "Create a token (plaintext shown once); also for an owner's or admin's FeatureSignals JWT", handler: Tokens.create),
        Route(.edgeFlags, "GET", "/api/v1/tokens", .token(.admin), limit: .management, tag: "tokens",
              summary: "List tokens (never plaintext)", handler: Tokens.list),
        Route(.edgeFlags, "DELETE", "/api/v1/tokens/{hash}", .token(.admin), limit: .management, tag: "tokens",
              summary: "Revoke a token", handler: Tokens.revoke),
        Route(.edgeFlags, "GET", "/api/v1/flags", .token(.permission(.readFlags)), limit: .management, tag: "flags",
              summary: "List flags", handler: Flags.list),
        Route(.edgeFlags, "POST", "/api/v1/flags", .token(.permission(.writeFlags)), limit: .management, tag: "flags",
              summary: "Create a flag", handler: Flags.create),
        Route(.edgeFlags, "GET", "/api/v1/flags/{key}", .token(.permission(.readFlags)), limit: .evaluation, tag: "flags",
              summary: "Evaluate one flag for ?context=", immediate: Flags.evaluate),
        Route(.edgeFlags, "PUT", "/api/v1/flags/{key}", .token(.permission(.writeFlags)), limit: .management, tag: "flags",
              summary: "Update a flag (merge; If-Match)", handler: Flags.update),
        Route(.edgeFlags, "DELETE", "/api/v1/flags/{key}", .token(.permission(.writeFlags)), limit: .management, tag: "flags",
              summary: "Delete a flag", handler: Flags.delete),
        Route(.edgeFlags, "PUT", "/api/v1/flags/{key}/environments/{env}", .token(.permission(.writeFlags)), limit: .management, tag: "flags",
              summary: "Set an environment override", handler: Flags.setOverride),
        Route(.edgeFlags, "DELETE", "/api/v1/flags/{key}/environments/{env}", .token(.permission(.writeFlags)), limit: .management, tag: "flags",
              summary: "Remove an environment override", handler: Flags.deleteOverride),
        Route(.edgeFlags, "GET", "/api/v1/configs", .token(.permission(.readConfigs)), limit: .management, tag: "configs",
              summary: "List configs", handler: Configs.list),
        Route(.edgeFlags, "POST", "/api/v1/configs", .token(.permission(.writeConfigs)), limit: .management, tag: "configs",
              summary: "Create a config", handler: Configs.create),
        Route(.edgeFlags, "GET", "/api/v1/configs/{key}", .token(.permission(.readConfigs)), limit: .management, tag: "configs",
              summary: "A config's value for ?environment=", immediate: Configs.get),
        Route(.edgeFlags, "PUT", "/api/v1/configs/{key}", .token(.permission(.writeConfigs)), limit: .management, tag: "configs",
              summary: "Update a config (merge; If-Match)", handler: Configs.update),
        Route(.edgeFlags, "DELETE", "/api/v1/configs/{key}", .token(.permission(.writeConfigs)), limit: .management, tag: "configs",
              summary: "Delete a config", handler: Configs.delete),
        Route(.edgeFlags, "PUT", "/api/v1/configs/{key}/environments/{env}", .token(.permission(.writeConfigs)), limit: .management,
              tag: "configs", summary: "Set an environment value", handler: Configs.setOverride),
        Route(.edgeFlags, "DELETE", "/api/v1/configs/{key}/environments/{env}", .token(.permission(.writeConfigs)),
              limit: .management, tag: "configs", summary: "Remove an environment value", handler: Configs.deleteOverride),
        Route(.edgeFlags, "GET", "/api/v1/segments", .token(.permission(.readFlags)), limit: .management, tag: "segments",
              summary: "List segments", handler: Segments.list),
        Route(.edgeFlags, "POST", "/api/v1/segments", .token(.permission(.writeFlags)), limit: .management, tag: "segments",
              summary: "Create a segment", handler: Segments.create),
        Route(.edgeFlags, "GET", "/api/v1/segments/{key}", .token(.permission(.readFlags)), limit: .management, tag: "segments",
              summary: "Get a segment", handler: Segments.get),
        Route(.edgeFlags, "PUT", "/api/v1/segments/{key}", .token(.permission(.writeFlags)), limit: .management, tag: "segments",
              summary: "Update a segment (merge; If-Match)", handler: Segments.update),
        Route(.edgeFlags, "DELETE", "/api/v1/segments/{key}", .token(.permission(.writeFlags)), limit: .management, tag: "segments",
              summary: "Delete a segment", handler: Segments.delete),
        Route(.edgeFlags, "POST", "/api/v1/evaluate", .token(.anyRead), limit: .evaluation, tag: "evaluation",
              summary: "Evaluate every (or the listed) flags and configs for a context", immediate: Evaluate.bulk),
        Route(.edgeFlags, "GET", "/api/v1/project", .token(.anyToken), limit: .management, tag: "project",
              summary: "The token's project", handler: Project.get),
        Route(.edgeFlags, "PUT", "/api/v1/project", .token(.admin), limit: .management, tag: "project",
              summary: "Rename the project", handler: Project.update),
        Route(.edgeFlags, "GET", "/api/v1/project/environments", .token(.anyToken), limit: .management, tag: "project",
              summary: "List environments", handler: Project.listEnvironments),
        Route(.edgeFlags, "POST", "/api/v1/project/environments", .token(.admin), limit: .management, tag: "project",
              summary: "Add an environment", handler: Project.addEnvironment),
        Route(.edgeFlags, "DELETE", "/api/v1/project/environments/{name}", .token(.admin), limit: .management, tag: "project",
              summary: "Delete an environment (never the last)", handler: Project.deleteEnvironment),
        Route(.edgeFlags, "GET", "/api/v1/audit", .token(.admin), limit: .management, tag: "audit",
              summary: "The audit log, newest first", handler: Audit.list),
        Route(.edgeFlags, "POST", "/api/v1/webhooks", .token(.admin), limit: .management, tag: "webhooks",
              summary: "Register a webhook", handler: Webhooks.create),
        Route(.edgeFlags, "GET", "/api/v1/webhooks", .token(.admin), limit: .management, tag: "webhooks",
              summary: "List webhooks", handler: Webhooks.list),
        Route(.edgeFlags, "DELETE", "/api/v1/webhooks/{id}", .token(.admin), limit: .management, tag: "webhooks",
              summary: "Delete a webhook", handler: Webhooks.delete),
        Route(.edgeFlags, "GET", "/stream/flags", .token(.permission(.readFlags), at: .headerOrQuery("token")), limit: .management, tag: "streams",
              summary: "WebSocket: snapshot, then diffs of evaluated values", handler: FlagStream.flags),
        Route(.edgeFlags, "GET", "/stream/tail", .token(.admin, at: .headerOrQuery("token")), limit: .management, tag: "streams",
              summary: "WebSocket: every evaluation as it happens (last 50 on connect)", handler: FlagStream.tail),
    ]
}

extension Service {
    @Sendable
    static func health(_ call: PublicCall) throws(APIError) -> Response { call.service.health }
}
