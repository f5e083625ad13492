/// Where the flag service keeps things. Every record is a JSON object with the API's field names.
/// The StorageKeyLayout article names the Swift type (`JSONRecord`) each record is read as.
///
/// `TOKENS` namespace (credentials, and what authenticates a request):
///
/// | key | value |
/// |---|---|
/// | `<sha256 hex of the token>` | `ff_` token `{name, token_prefix, project_id, permissions, created_at, expires_at?}` |
/// | `apikey:<sha256 hex of the key>` | `fs_` API key `{id, name, type, key_prefix, env_id, env_slug, project_id, org_id, created_at}` |
/// | `apikeyused:<key id>` | `{last_used_at}`, written after responses, batched |
/// | `user:<user id>` | `{id, email, name, org_id, password_hash, created_at, updated_at}` (scrypt, never returned) |
/// | `email:<lowercased email>` | `{user_id}` — written last at registration: the account exists once it does |
/// | `session:<session id>` | a login's refresh family `{user_id, org_id, refresh_jti, created_at, rotated_at?, revoked_at?}`; KV TTL = refresh TTL |
/// | `revoked:<jti>` | a revoked access token `{revoked_at}`; KV TTL = what was left of its lifetime |
///
/// `FLAGS` namespace (everything an evaluation reads, and the management data beside it):
///
/// | key | value |
/// |---|---|
/// | `project:<id>` | `{id, name, slug, environments, org_id?, created_at, updated_at}` — `environments` are slugs |
/// | `flag:<project>:<key>` | an EdgeFlags flag record, or a FeatureSignals flag (it has `flag_type`) |
/// | `flagstate:<project>:<flag key>:<env id>` | a FeatureSignals per-environment flag state |
/// | `config:<project>:<key>` | `{key, value, environments?, version, created_at, updated_at}` |
/// | `segment:<project>:<key>` | an EdgeFlags segment `{key, conditions, …}` or a FeatureSignals one (it has `match_type`) |
/// | `environment:<project>:<env id>` | `{id, project_id, name, slug, color, created_at}` |
/// | `envindex:<env id>` | `{project_id}`: which project an environment id belongs to |
/// | `org:<id>` / `orgslug:<slug>` | `{id, name, slug, created_at, updated_at}` / `{org_id}` |
/// | `member:<org>:<user id>` | `{user_id, org_id, role, permissions: [{env_id, can_toggle, can_edit_rules}], created_at, updated_at}` |
/// | `orgproject:<org>:<project>` | `{project_id}`: the organization's projects |
/// | `approval:<org>:<id>` | a requested state change `{id, project_id, flag_key, env_id, payload, status, requested_by, …}` |
/// | `webhook:<project or org>:<id>` | an EdgeFlags (per project) or FeatureSignals (per org) webhook |
/// | `delivery:<webhook id>:<19-digit (Int64.max − ms)>:<6 hex>` | a webhook delivery attempt; 30-day TTL |
/// | `audit:<project or org>:<19-digit (Int64.max − ms)>:<6 hex>` | an audit entry; newest sorts first; 90-day TTL |
enum KeyLayout {
    static func project(_ id: String) -> String { "project:\(id)" }
    static let projects = "project:"
    static func flag(_ project: String, _ key: String) -> String { "flag:\(project):\(key)" }
    static func flags(_ project: String) -> String { "flag:\(project):" }
    static func flagState(_ project: String, _ key: String, _ environment: String) -> String {
        "flagstate:\(project):\(key):\(environment)"
    }
    static func flagStates(_ project: String, _ key: String) -> String { "flagstate:\(project):\(key):" }
    static func flagStates(_ project: String) -> String { "flagstate:\(project):" }
    static let allFlagStates = "flagstate:"
    static func config(_ project: String, _ key: String) -> String { "config:\(project):\(key)" }
    static func configs(_ project: String) -> String { "config:\(project):" }
    static func segment(_ project: String, _ key: String) -> String { "segment:\(project):\(key)" }
    static func segments(_ project: String) -> String { "segment:\(project):" }
    static func environment(_ project: String, _ id: String) -> String { "environment:\(project):\(id)" }
    static func environments(_ project: String) -> String { "environment:\(project):" }
    static func environmentIndex(_ id: String) -> String { "envindex:\(id)" }
    static func organization(_ id: String) -> String { "org:\(id)" }
    static func organizationSlug(_ slug: String) -> String { "orgslug:\(slug)" }
    static func member(_ org: String, _ user: String) -> String { "member:\(org):\(user)" }
    static func members(_ org: String) -> String { "member:\(org):" }
    static func organizationProject(_ org: String, _ project: String) -> String { "orgproject:\(org):\(project)" }
    static func organizationProjects(_ org: String) -> String { "orgproject:\(org):" }
    static func approval(_ org: String, _ id: String) -> String { "approval:\(org):\(id)" }
    static func approvals(_ org: String) -> String { "approval:\(org):" }
    static func webhook(_ scope: String, _ id: String) -> String { "webhook:\(scope):\(id)" }
    static func webhooks(_ scope: String) -> String { "webhook:\(scope):" }
    static func deliveries(_ webhook: String) -> String { "delivery:\(webhook):" }
    static func audits(_ scope: String) -> String { "audit:\(scope):" }

    static func audit(_ scope: String, millis: Int64, suffix: String) -> String {
        "audit:\(scope):\(newestFirst(millis)):\(suffix)"
    }

    static func delivery(_ webhook: String, millis: Int64, suffix: String) -> String {
        "delivery:\(webhook):\(newestFirst(millis)):\(suffix)"
    }

    /// 19 digits of `Int64.max − ms`: later times sort first in KV's byte order.
    static func newestFirst(_ millis: Int64) -> String {
        let inverted = String(Int64.max - millis)
        return String(repeating: "0", count: max(0, 19 - inverted.count)) + inverted
    }

    // TOKENS
    static func apiKey(_ hash: String) -> String { "apikey:\(hash)" }
    static let apiKeys = "apikey:"
    static func apiKeyUsed(_ id: String) -> String { "apikeyused:\(id)" }
    static func user(_ id: String) -> String { "user:\(id)" }
    static func email(_ normalized: String) -> String { "email:\(normalized)" }
    static func session(_ id: String) -> String { "session:\(id)" }
    static func revoked(_ tokenID: String) -> String { "revoked:\(tokenID)" }
}
