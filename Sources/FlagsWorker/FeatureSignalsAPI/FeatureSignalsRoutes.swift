import EdgeWorker

/// The FeatureSignals dialect (`/v1`): accounts, management by JWT role, evaluation by API key.
enum FeatureSignalsRoutes {
    static let all: [Route] = {
        func route<Who>(_ method: String, _ path: String, _ gate: Gate<Who>, _ limit: RateLimit, _ tag: String,
                        _ summary: String, _ handler: @escaping @Sendable (Call<Who>) async throws(APIError) -> Response) -> Route {
            Route(.featureSignals, method, path, gate, limit: limit, tag: tag, summary: summary, handler: handler)
        }
        /// A route whose handler never suspends (evaluation): the runner may call it without a task.
        func route<Who>(_ method: String, _ path: String, _ gate: Gate<Who>, _ limit: RateLimit, _ tag: String,
                        _ summary: String, immediate: @escaping @Sendable (Call<Who>) throws(APIError) -> Response) -> Route {
            Route(.featureSignals, method, path, gate, limit: limit, tag: tag, summary: summary, immediate: immediate)
        }
        let read = Gate<Account>.member(.viewer), write = Gate<Account>.member(.developer), admin = Gate<Account>.member(.admin)
        let key = Gate<APIKeyRecord>.apiKey(), eventSourceKey = Gate<APIKeyRecord>.apiKey(at: .headerOrQuery("api_key"))
        let accounts = "fs: accounts", management = "fs: management", evaluation = "fs: evaluation"
        return [
            route("POST", "/v1/auth/register", .open, .signIn, accounts, "Register: user, organization, default project", FSAuth.register),
            route("POST", "/v1/auth/login", .open, .signIn, accounts, "Log in: a JWT pair", FSAuth.login),
            route("POST", "/v1/auth/refresh", .open, .signIn, accounts, "Rotate a refresh token for a new pair", FSAuth.refresh),
            route("POST", "/v1/auth/logout", read, .signOut, accounts, "Revoke the access token and its session", FSAuth.logout),

            route("GET", "/v1/projects", read, .management, management, "The organization's projects", FSProjects.list),
            route("POST", "/v1/projects", write, .management, management, "Create a project", FSProjects.create),
            route("GET", "/v1/projects/{id}", read, .management, management, "A project", FSProjects.get),
            route("DELETE", "/v1/projects/{id}", admin, .management, management, "Delete a project and everything in it", FSProjects.delete),
            route("GET", "/v1/projects/{id}/environments", read, .management, management, "A project's environments", FSEnvironments.list),
            route("POST", "/v1/projects/{id}/environments", write, .management, management, "Create an environment", FSEnvironments.create),
            route("DELETE", "/v1/projects/{id}/environments/{envID}", admin, .management, management, "Delete an environment",
                  FSEnvironments.delete),
            route("GET", "/v1/projects/{id}/flags", read, .management, management, "A project's flags", FSFlags.list),
            route("POST", "/v1/projects/{id}/flags", write, .management, management, "Create a flag", FSFlags.create),
            route("GET", "/v1/projects/{id}/flag-states", read, .management, management,
                  "Whether each flag is on, in every environment (one read for a flag list)", FSFlagStates.list),
            route("GET", "/v1/projects/{id}/flags/{key}", read, .management, management, "A flag", FSFlags.get),
            route("PUT", "/v1/projects/{id}/flags/{key}", write, .management, management, "Update a flag (partial)", FSFlags.update),
            route("DELETE", "/v1/projects/{id}/flags/{key}", write, .management, management, "Delete a flag", FSFlags.delete),
            route("GET", "/v1/projects/{id}/flags/{key}/environments/{envID}", read, .management, management,
                  "A flag's state in an environment", FSFlagStates.get),
            route("PUT", "/v1/projects/{id}/flags/{key}/environments/{envID}", write, .management, management,
                  "Set a flag's state in an environment (partial upsert)", FSFlagStates.update),
            route("POST", "/v1/projects/{id}/flags/{key}/promote", write, .management, management,
                  "Copy a state from one environment to another", FSFlagStates.promote),
            route("POST", "/v1/projects/{id}/flags/{key}/kill", write, .management, management, "Kill switch: off at once",
                  FSFlagStates.kill),
            route("GET", "/v1/projects/{id}/segments", read, .management, management, "A project's segments", FSSegments.list),
            route("POST", "/v1/projects/{id}/segments", write, .management, management, "Create a segment", FSSegments.create),
            route("GET", "/v1/projects/{id}/segments/{key}", read, .management, management, "A segment", FSSegments.get),
            route("PUT", "/v1/projects/{id}/segments/{key}", write, .management, management, "Update a segment", FSSegments.update),
            route("DELETE", "/v1/projects/{id}/segments/{key}", write, .management, management, "Delete a segment", FSSegments.delete),
            route("POST", "/v1/environments/{envID}/api-keys", admin, .management, management, "Create an API key (shown once)",
                  FSAPIKeys.create),
            route("GET", "/v1/environments/{envID}/api-keys", read, .management, management, "An environment's API keys (never the key)",
                  FSAPIKeys.list),
            route("DELETE", "/v1/api-keys/{keyID}", admin, .management, management, "Revoke an API key", FSAPIKeys.revoke),
            route("GET", "/v1/audit", read, .management, management, "The organization's audit log, newest first", FSAudit.list),
            route("GET", "/v1/approvals", read, .management, management, "Approval requests, newest first (?status=)", FSApprovals.list),
            route("POST", "/v1/approvals", write, .management, management, "Request a flag state change", FSApprovals.create),
            route("GET", "/v1/approvals/{id}", read, .management, management, "An approval request", FSApprovals.get),
            route("POST", "/v1/approvals/{id}/review", admin, .management, management,
                  "Approve (apply) or reject another member's request", FSApprovals.review),
            route("GET", "/v1/metrics/evaluations", read, .management, management,
                  "This node's evaluation counts per flag and reason, since start", FSMetrics.evaluations),
            route("GET", "/v1/webhooks", admin, .management, management, "The organization's webhooks", FSWebhooks.list),
            route("POST", "/v1/webhooks", admin, .management, management, "Register a webhook", FSWebhooks.create),
            route("GET", "/v1/webhooks/{id}", admin, .management, management, "A webhook", FSWebhooks.get),
            route("PUT", "/v1/webhooks/{id}", admin, .management, management, "Update a webhook", FSWebhooks.update),
            route("DELETE", "/v1/webhooks/{id}", admin, .management, management, "Delete a webhook", FSWebhooks.delete),
            route("GET", "/v1/webhooks/{id}/deliveries", admin, .management, management, "A webhook's deliveries, newest first",
                  FSWebhooks.deliveries),
            route("GET", "/v1/members", read, .management, management, "The organization's members", FSMembers.list),
            route("POST", "/v1/members/invite", admin, .management, management, "Add a member", FSMembers.invite),
            route("PUT", "/v1/members/{id}", admin, .management, management, "Change a member's role", FSMembers.update),
            route("DELETE", "/v1/members/{id}", admin, .management, management, "Remove a member", FSMembers.remove),
            route("GET", "/v1/members/{id}/permissions", read, .management, management, "A member's per-environment permissions",
                  FSMembers.permissions),
            route("PUT", "/v1/members/{id}/permissions", admin, .management, management, "Set a member's per-environment permissions",
                  FSMembers.setPermissions),

            route("POST", "/v1/evaluate", key, .keyEvaluation, evaluation, "Evaluate one flag", immediate: FSEvaluate.one),
            route("POST", "/v1/evaluate/bulk", key, .keyEvaluation, evaluation, "Evaluate up to 100 flags", immediate: FSEvaluate.bulk),
            route("GET", "/v1/client/{envKey}/flags", key, .keyEvaluation, evaluation, "Every flag's value for ?key=",
                  immediate: FSEvaluate.client),
            route("GET", "/v1/stream/{envKey}", eventSourceKey, .keyEvaluation, evaluation, "Server-sent events: flag-update on every change",
                  FSStream.events),
            route("POST", "/v1/track", key, .keyEvaluation, evaluation, "Record an impression", FSEvaluate.track),
        ]
    }()
}
