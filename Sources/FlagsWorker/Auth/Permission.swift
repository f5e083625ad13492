/// What a token may do (the EdgeFlags permission table). `*` is everything, including tokens,
/// webhooks, audit, project settings, environments and the tail stream.
enum Permission: String, Sendable, CaseIterable {
    case readFlags = "read:flags"
    case readConfigs = "read:configs"
    case writeFlags = "write:flags"
    case writeConfigs = "write:configs"
    case admin = "*"
}

/// What a route needs.
enum Access: Sendable, Equatable {
    case publicRoute
    /// Any valid token (the project and its environments).
    case anyToken
    case permission(Permission)
    /// Either read permission (bulk evaluation: each map needs its own).
    case anyRead
    case admin
    /// FeatureSignals: an access JWT whose member has at least this level (`.viewer` read,
    /// `.developer` write, `.admin` admin).
    case member(Role)
    /// FeatureSignals: an `fs_` API key in `X-API-Key`.
    case apiKey
}
