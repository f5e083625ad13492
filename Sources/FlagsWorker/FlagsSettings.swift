import EdgeWorker

/// The flag service's settings, read from `[vars]`, `.dev.vars` or the process environment (secrets
/// win over vars, as in wrangler):
///
/// | name | meaning | default |
/// |---|---|---|
/// | `ENVIRONMENT` | reported by `/health`; `production` refuses the default `JWT_SECRET` | `development` |
/// | `EDGE_BOOTSTRAP_TOKEN` | opt-in: this exact token is an admin (`*`) of project `default` | unset |
/// | `RATE_LIMIT_EVALUATIONS_PER_MINUTE` | per `ff_` token, per node | 10000 |
/// | `RATE_LIMIT_MANAGEMENT_PER_MINUTE` | per `ff_` token or JWT, per node | 1000 |
/// | `WEBHOOKS_ALLOW_PRIVATE_TARGETS` | `true` allows `http` and private/loopback webhook URLs | `false` |
/// | `JWT_SECRET` | HS256 key of FeatureSignals access and refresh tokens | `dev-secret-change-in-production` |
/// | `TOKEN_TTL_MINUTES` / `REFRESH_TTL_HOURS` | access / refresh token lifetimes | 60 / 168 |
/// | `RATE_LIMIT_API_KEY_PER_MINUTE` | FeatureSignals evaluations per `fs_` key, per node | 1000 |
/// | `RATE_LIMIT_AUTH_PER_MINUTE` | `/v1/auth/*` requests per client IP, per node | 20 |
/// | `LOGIN_MAX_FAILURES` / `LOGIN_LOCKOUT_MINUTES` | failed logins per email and client address before that address gets a 429 for the email, and the window (past half as many failures per email, addresses that failed are slowed) | 10 / 15 |
/// | `PASSWORD_SCRYPT_N` | scrypt cost (a power of two); r = 8, p = 1 | 131072 (2^17) |
/// | `SSE_HEARTBEAT_SECONDS` | comment heartbeats on `/v1/stream/{envKey}` | 15 |
struct FlagsSettings: Sendable {
    static let defaultJWTSecret = "dev-secret-change-in-production"

    var environment: String
    var bootstrapToken: String?
    var evaluationsPerMinute: Int
    var managementPerMinute: Int
    var allowPrivateWebhookTargets: Bool
    var jwtSecret: String
    var accessTTLSeconds: Double
    var refreshTTLSeconds: Double
    var apiKeyEvaluationsPerMinute: Int
    var authRequestsPerMinute: Int
    var loginMaxFailures: Int
    var loginLockoutSeconds: Int64
    var scryptCost: Int
    var heartbeatSeconds: Double

    init(env: Env) {
        func positive(_ name: String, _ fallback: Int) -> Int {
            env.setting(name).flatMap { Int($0.trimmingSpaces) }.map { max(1, $0) } ?? fallback
        }
        environment = env.setting("ENVIRONMENT") ?? "development"
        bootstrapToken = env.setting("EDGE_BOOTSTRAP_TOKEN").flatMap { $0.isEmpty ? nil : $0 }
        evaluationsPerMinute = positive("RATE_LIMIT_EVALUATIONS_PER_MINUTE", 10_000)
        managementPerMinute = positive("RATE_LIMIT_MANAGEMENT_PER_MINUTE", 1_000)
        allowPrivateWebhookTargets = env.setting("WEBHOOKS_ALLOW_PRIVATE_TARGETS")?.lowercased() == "true"
        jwtSecret = env.setting("JWT_SECRET").flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultJWTSecret
        accessTTLSeconds = Double(positive("TOKEN_TTL_MINUTES", 60) * 60)
        refreshTTLSeconds = Double(positive("REFRESH_TTL_HOURS", 168) * 3600)
        apiKeyEvaluationsPerMinute = positive("RATE_LIMIT_API_KEY_PER_MINUTE", 1_000)
        authRequestsPerMinute = positive("RATE_LIMIT_AUTH_PER_MINUTE", 20)
        loginMaxFailures = positive("LOGIN_MAX_FAILURES", 10)
        loginLockoutSeconds = Int64(positive("LOGIN_LOCKOUT_MINUTES", 15) * 60)
        let cost = positive("PASSWORD_SCRYPT_N", 1 << 17)
        scryptCost = cost >= 2 && cost & (cost - 1) == 0 ? cost : 1 << 17
        heartbeatSeconds = Double(positive("SSE_HEARTBEAT_SECONDS", 15))
    }

    var usesDefaultJWTSecret: Bool { jwtSecret == Self.defaultJWTSecret }
}
