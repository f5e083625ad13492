import EdgeWorker

extension FlagsWorker {
    /// The FeatureSignals dialect (`/v1`): accounts, management by JWT role, evaluation by API key.
    static let featureSignalsRoutes: [Route] = {
        func route(_ method: String, _ path: String, _ access: Access, _ tag: String, _ summary: String,
                   _ handler: @escaping Route.Handler) -> Route {
            Route(method: method, path: path, access: access, kind: access == .apiKey ? .evaluation : .management,
                  tag: tag, summary: summary, handler: handler)
        }
        /// A route whose handler never suspends (evaluation): the runner may call it without a task.
        func route(_ method: String, _ path: String, _ access: Access, _ tag: String, _ summary: String,
                   immediate: @escaping Route.ImmediateHandler) -> Route {
            Route(method: method, path: path, access: access, kind: access == .apiKey ? .evaluation : .management,
                  tag: tag, summary: summary, immediate: immediate)
        }
        let read = Access.member(.viewer), write = Access.member(.developer), admin = Access.member(.admin)
        let accounts = "fs: accounts", management = "fs: management", evaluation = "fs: evaluation"
        return [
            route("POST", "/v1/auth/register", .publicRoute, accounts, "Register: user, organization, default project", FSAuth.register),
            route("POST", "/v1/auth/login", .publicRoute, accounts, "Log in: a JWT pair", FSAuth.login),
            route("POST", "/v1/auth/refresh", .publicRoute, accounts, "Rotate a refresh token for a new pair", FSAuth.refresh),
            route("POST", "/v1/auth/logout", read, accounts, "Revoke the access token and its session", FSAuth.logout),

            route("GET", "/v1/projects", read, management, "The organization's projects", FSProjects.list),
            route("POST", "/v1/projects", write, management, "Create a project", FSProjects.create),
            route("GET", "/v1/projects/{id}", read, management, "A project", FSProjects.get),
            route("DELETE", "/v1/projects/{id}", admin, management, "Delete a project and everything in it", FSProjects.delete),
            route("GET", "/v1/projects/{id}/environments", read, management, "A project's environments", FSEnvironments.list),
            route("POST", "/v1/projects/{id}/environments", write, management, "Create an environment", FSEnvironments.create),
            route("DELETE", "/v1/projects/{id}/environments/{envID}", admin, management, "Delete an environment",
                  FSEnvironments.delete),
            route("GET", "/v1/projects/{id}/flags", read, management, "A project's flags", FSFlags.list),
            route("POST", "/v1/projects/{id}/flags", write, management, "Create a flag", FSFlags.create),
            route("GET", "/v1/projects/{id}/flags/{key}", read, management, "A flag", FSFlags.get),
            route("PUT", "/v1/projects/{id}/flags/{key}", write, management, "Update a flag (partial)", FSFlags.update),
            route("DELETE", "/v1/projects/{id}/flags/{key}", write, management, "Delete a flag", FSFlags.delete),
            route("GET", "/v1/projects/{id}/flags/{key}/environments/{envID}", read, management,
                  "A flag's state in an environment", FSFlagStates.get),
            route("PUT", "/v1/projects/{id}/flags/{key}/environments/{envID}", write, management,
                  "Set a flag's state in an environment (partial upsert)", FSFlagStates.update),
            route("POST", "/v1/projects/{id}/flags/{key}/promote", write, management,
                  "Copy a state from one environment to another", FSFlagStates.promote),
            route("POST", "/v1/projects/{id}/flags/{key}/kill", write, management, "Kill switch: off at once",
                  FSFlagStates.kill),
            route("GET", "/v1/projects/{id}/segments", read, management, "A project's segments", FSSegments.list),
            route("POST", "/v1/projects/{id}/segments", write, management, "Create a segment", FSSegments.create),
            route("GET", "/v1/projects/{id}/segments/{key}", read, management, "A segment", FSSegments.get),
            route("PUT", "/v1/projects/{id}/segments/{key}", write, management, "Update a segment", FSSegments.update),
            route("DELETE", "/v1/projects/{id}/segments/{key}", write, management, "Delete a segment", FSSegments.delete),
            route("POST", "/v1/environments/{envID}/api-keys", admin, management, "Create an API key (shown once)",
                  FSAPIKeys.create),
            route("GET", "/v1/environments/{envID}/api-keys", read, management, "An environment's API keys (never the key)",
                  FSAPIKeys.list),
            route("DELETE", "/v1/api-keys/{keyID}", admin, management, "Revoke an API key", FSAPIKeys.revoke),
            route("GET", "/v1/audit", read, management, "The organization's audit log, newest first", FSAudit.list),
            route("GET", "/v1/approvals", read, management, "Approval requests, newest first (?status=)", FSApprovals.list),
            route("POST", "/v1/approvals", write, management, "Request a flag state change", FSApprovals.create),
            route("GET", "/v1/approvals/{id}", read, management, "An approval request", FSApprovals.get),
            route("POST", "/v1/approvals/{id}/review", admin, management,
                  "Approve (apply) or reject another member's request", FSApprovals.review),
            route("GET", "/v1/metrics/evaluations", read, management,
                  "This node's evaluation counts per flag and reason, since start", FSMetrics.evaluations),
            route("GET", "/v1/webhooks", admin, management, "The organization's webhooks", FSWebhooks.list),
            route("POST", "/v1/webhooks", admin, management, "Register a webhook", FSWebhooks.create),
            route("GET", "/v1/webhooks/{id}", admin, management, "A webhook", FSWebhooks.get),
            route("PUT", "/v1/webhooks/{id}", admin, management, "Update a webhook", FSWebhooks.update),
            route("DELETE", "/v1/webhooks/{id}", admin, management, "Delete a webhook", FSWebhooks.delete),
            route("GET", "/v1/webhooks/{id}/deliveries", admin, management, "A webhook's deliveries, newest first",
                  FSWebhooks.deliveries),
            route("GET", "/v1/members", read, management, "The organization's members", FSMembers.list),
            route("POST", "/v1/members/invite", admin, management, "Add a member", FSMembers.invite),
            route("PUT", "/v1/members/{id}", admin, management, "Change a member's role", FSMembers.update),
            route("DELETE", "/v1/members/{id}", admin, management, "Remove a member", FSMembers.remove),
            route("GET", "/v1/members/{id}/permissions", read, management, "A member's per-environment permissions",
                  FSMembers.permissions),
            route("PUT", "/v1/members/{id}/permissions", admin, management, "Set a member's per-environment permissions",
                  FSMembers.setPermissions),

            route("POST", "/v1/evaluate", .apiKey, evaluation, "Evaluate one flag", immediate: FSEvaluate.one),
            route("POST", "/v1/evaluate/bulk", .apiKey, evaluation, "Evaluate up to 100 flags", immediate: FSEvaluate.bulk),
            route("GET", "/v1/client/{envKey}/flags", .apiKey, evaluation, "Every flag's value for ?key=",
                  immediate: FSEvaluate.client),
            route("GET", "/v1/stream/{envKey}", .apiKey, evaluation, "Server-sent events: flag-update on every change",
                  FSStream.events),
            route("POST", "/v1/track", .apiKey, evaluation, "Record an impression", FSEvaluate.track),
        ]
    }()
}
