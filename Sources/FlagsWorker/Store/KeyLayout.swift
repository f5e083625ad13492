/// Where the flag service keeps things. Every record is a JSON object with the API's field names.
///
/// `TOKENS` namespace:
///
/// | key | value |
/// |---|---|
/// | `<sha256 hex of the token>` | `{name, token_prefix, project_id, permissions, created_at, expires_at?}` |
///
/// `FLAGS` namespace (everything an evaluation reads, and the project's management data):
///
/// | key | value |
/// |---|---|
/// | `project:<id>` | `{id, name, slug, environments, created_at, updated_at}` |
/// | `flag:<project>:<key>` | the flag record (`key, enabled, value?, targeting?, environments?, …, version`) |
/// | `config:<project>:<key>` | `{key, value, environments?, version, created_at, updated_at}` |
/// | `segment:<project>:<key>` | `{key, conditions, version, created_at, updated_at}` |
/// | `webhook:<project>:<id>` | `{id, url, events, secret?, created_at}` |
/// | `audit:<project>:<19-digit (Int64.max − ms)>:<6 hex>` | an audit entry; newest sorts first; 90-day TTL |
enum KeyLayout {
    static func project(_ id: String) -> String { "project:\(id)" }
    static func flag(_ project: String, _ key: String) -> String { "flag:\(project):\(key)" }
    static func flags(_ project: String) -> String { "flag:\(project):" }
    static func config(_ project: String, _ key: String) -> String { "config:\(project):\(key)" }
    static func configs(_ project: String) -> String { "config:\(project):" }
    static func segment(_ project: String, _ key: String) -> String { "segment:\(project):\(key)" }
    static func segments(_ project: String) -> String { "segment:\(project):" }
    static func webhook(_ project: String, _ id: String) -> String { "webhook:\(project):\(id)" }
    static func webhooks(_ project: String) -> String { "webhook:\(project):" }
    static func audits(_ project: String) -> String { "audit:\(project):" }

    static func audit(_ project: String, millis: Int64, suffix: String) -> String {
        let inverted = String(Int64.max - millis)
        return "audit:\(project):\(String(repeating: "0", count: max(0, 19 - inverted.count)))\(inverted):\(suffix)"
    }
}
