import EdgeWorker

/// The flag service's settings, read from `[vars]`, `.dev.vars` or the process environment (secrets
/// win over vars, as in wrangler):
///
/// | name | meaning | default |
/// |---|---|---|
/// | `ENVIRONMENT` | reported by `/health` | `development` |
/// | `EDGE_BOOTSTRAP_TOKEN` | opt-in: this exact token is an admin (`*`) of project `default` | unset |
/// | `RATE_LIMIT_EVALUATIONS_PER_MINUTE` | per token, per node | 10000 |
/// | `RATE_LIMIT_MANAGEMENT_PER_MINUTE` | per token, per node | 1000 |
/// | `WEBHOOKS_ALLOW_PRIVATE_TARGETS` | `true` allows `http` and private/loopback webhook URLs | `false` |
struct FlagsSettings: Sendable {
    var environment: String
    var bootstrapToken: String?
    var evaluationsPerMinute: Int
    var managementPerMinute: Int
    var allowPrivateWebhookTargets: Bool

    init(env: Env) {
        environment = env.setting("ENVIRONMENT") ?? "development"
        bootstrapToken = env.setting("EDGE_BOOTSTRAP_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        evaluationsPerMinute = env.setting("RATE_LIMIT_EVALUATIONS_PER_MINUTE").flatMap(Int.init).map { max(1, $0) } ?? 10_000
        managementPerMinute = env.setting("RATE_LIMIT_MANAGEMENT_PER_MINUTE").flatMap(Int.init).map { max(1, $0) } ?? 1_000
        allowPrivateWebhookTargets = env.setting("WEBHOOKS_ALLOW_PRIVATE_TARGETS")?.lowercased() == "true"
    }
}
