import EdgeJSON
import EdgeWorker

extension FlagsWorker {
    /// Every route of both dialects: the router and `/openapi.json` are both made from it.
    static let routes: [Route] = edgeFlagsRoutes + featureSignalsRoutes

    /// The shared service routes and the EdgeFlags dialect (`/api/v1`, `/stream`).
    static let edgeFlagsRoutes: [Route] = [
        Route(method: "GET", path: "/health", access: .publicRoute, tag: "service", summary: "Liveness and environment",
              immediate: Service.health),
        Route(method: "GET", path: "/openapi.json", access: .publicRoute, tag: "service", summary: "This API as OpenAPI 3",
              handler: { _ in .jsonBytes(EdgeFlagsOpenAPI.document, headers: ["Cache-Control": CachePolicy.openAPI]) }),
        Route(method: "GET", path: "/docs", access: .publicRoute, tag: "service", summary: "Interactive API reference",
              handler: { _ in Response(status: 200, headers: ["Content-Type": "text/html; charset=utf-8",
                                                               "Cache-Control": CachePolicy.openAPI],
                                       bytes: EdgeFlagsOpenAPI.docsPage) }),

        Route(method: "POST", path: "/api/v1/tokens", access: .admin, tag: "tokens",
              summary: "Create a token (plaintext shown once); also for an owner's or admin's FeatureSignals JWT",
              acceptsAccount: true, handler: Tokens.create),
        Route(method: "GET", path: "/api/v1/tokens", access: .admin, tag: "tokens", summary: "List tokens (never plaintext)",
              handler: Tokens.list),
        Route(method: "DELETE", path: "/api/v1/tokens/{hash}", access: .admin, tag: "tokens", summary: "Revoke a token",
              handler: Tokens.revoke),

        Route(method: "GET", path: "/api/v1/flags", access: .permission(.readFlags), tag: "flags", summary: "List flags",
              handler: Flags.list),
        Route(method: "POST", path: "/api/v1/flags", access: .permission(.writeFlags), tag: "flags", summary: "Create a flag",
              handler: Flags.create),
        Route(method: "GET", path: "/api/v1/flags/{key}", access: .permission(.readFlags), kind: .evaluation, tag: "flags",
              summary: "Evaluate one flag for ?context=", immediate: Flags.evaluate),
        Route(method: "PUT", path: "/api/v1/flags/{key}", access: .permission(.writeFlags), tag: "flags",
              summary: "Update a flag (merge; If-Match)", handler: Flags.update),
        Route(method: "DELETE", path: "/api/v1/flags/{key}", access: .permission(.writeFlags), tag: "flags",
              summary: "Delete a flag", handler: Flags.delete),
        Route(method: "PUT", path: "/api/v1/flags/{key}/environments/{env}", access: .permission(.writeFlags), tag: "flags",
              summary: "Set an environment override", handler: Flags.setOverride),
        Route(method: "DELETE", path: "/api/v1/flags/{key}/environments/{env}", access: .permission(.writeFlags), tag: "flags",
              summary: "Remove an environment override", handler: Flags.deleteOverride),

        Route(method: "GET", path: "/api/v1/configs", access: .permission(.readConfigs), tag: "configs", summary: "List configs",
              handler: Configs.list),
        Route(method: "POST", path: "/api/v1/configs", access: .permission(.writeConfigs), tag: "configs",
              summary: "Create a config", handler: Configs.create),
        Route(method: "GET", path: "/api/v1/configs/{key}", access: .permission(.readConfigs), tag: "configs",
              summary: "A config's value for ?environment=", immediate: Configs.get),
        Route(method: "PUT", path: "/api/v1/configs/{key}", access: .permission(.writeConfigs), tag: "configs",
              summary: "Update a config (merge; If-Match)", handler: Configs.update),
        Route(method: "DELETE", path: "/api/v1/configs/{key}", access: .permission(.writeConfigs), tag: "configs",
              summary: "Delete a config", handler: Configs.delete),
        Route(method: "PUT", path: "/api/v1/configs/{key}/environments/{env}", access: .permission(.writeConfigs),
              tag: "configs", summary: "Set an environment value", handler: Configs.setOverride),
        Route(method: "DELETE", path: "/api/v1/configs/{key}/environments/{env}", access: .permission(.writeConfigs),
              tag: "configs", summary: "Remove an environment value", handler: Configs.deleteOverride),

        Route(method: "GET", path: "/api/v1/segments", access: .permission(.readFlags), tag: "segments", summary: "List segments",
              handler: Segments.list),
        Route(method: "POST", path: "/api/v1/segments", access: .permission(.writeFlags), tag: "segments",
              summary: "Create a segment", handler: Segments.create),
        Route(method: "GET", path: "/api/v1/segments/{key}", access: .permission(.readFlags), tag: "segments",
              summary: "Get a segment", handler: Segments.get),
        Route(method: "PUT", path: "/api/v1/segments/{key}", access: .permission(.writeFlags), tag: "segments",
              summary: "Update a segment (merge; If-Match)", handler: Segments.update),
        Route(method: "DELETE", path: "/api/v1/segments/{key}", access: .permission(.writeFlags), tag: "segments",
              summary: "Delete a segment", handler: Segments.delete),

        Route(method: "POST", path: "/api/v1/evaluate", access: .anyRead, kind: .evaluation, tag: "evaluation",
              summary: "Evaluate every (or the listed) flags and configs for a context", immediate: Evaluate.bulk),

        Route(method: "GET", path: "/api/v1/project", access: .anyToken, tag: "project", summary: "The token's project",
              handler: Project.get),
        Route(method: "PUT", path: "/api/v1/project", access: .admin, tag: "project", summary: "Rename the project",
              handler: Project.update),
        Route(method: "GET", path: "/api/v1/project/environments", access: .anyToken, tag: "project",
              summary: "List environments", handler: Project.listEnvironments),
        Route(method: "POST", path: "/api/v1/project/environments", access: .admin, tag: "project",
              summary: "Add an environment", handler: Project.addEnvironment),
        Route(method: "DELETE", path: "/api/v1/project/environments/{name}", access: .admin, tag: "project",
              summary: "Delete an environment (never the last)", handler: Project.deleteEnvironment),

        Route(method: "GET", path: "/api/v1/audit", access: .admin, tag: "audit", summary: "The audit log, newest first",
              handler: Audit.list),

        Route(method: "POST", path: "/api/v1/webhooks", access: .admin, tag: "webhooks", summary: "Register a webhook",
              handler: Webhooks.create),
        Route(method: "GET", path: "/api/v1/webhooks", access: .admin, tag: "webhooks", summary: "List webhooks",
              handler: Webhooks.list),
        Route(method: "DELETE", path: "/api/v1/webhooks/{id}", access: .admin, tag: "webhooks", summary: "Delete a webhook",
              handler: Webhooks.delete),

        Route(method: "GET", path: "/stream/flags", access: .permission(.readFlags), tag: "streams",
              summary: "WebSocket: snapshot, then diffs of evaluated values", handler: FlagStream.flags),
        Route(method: "GET", path: "/stream/tail", access: .admin, tag: "streams",
              summary: "WebSocket: every evaluation as it happens (last 50 on connect)", handler: FlagStream.tail),
    ]
}

extension Service {
    @Sendable
    static func health(_ call: Call) throws(APIError) -> Response { call.service.health }
}
