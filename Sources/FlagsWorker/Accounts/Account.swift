import EdgeJSON

/// The caller of a FeatureSignals management route, as its access token and current membership say.
/// The role is read from the membership on every request, so a demotion or removal is effective at
/// once, not when the token expires.
struct Account: Sendable {
    var userID: String
    var orgID: String
    var role: Role
    var email: String
    var claims: SessionClaims
    /// Per-environment limits for developers: env id → (can toggle, can edit rules).
    var environmentPermissions: [String: (toggle: Bool, editRules: Bool)]

    /// Whether the caller may flip the switch (`toggle`) or change targeting (`editRules`) in an
    /// environment. Owners and admins always may; a developer unless a permission entry for that
    /// environment says otherwise; a viewer never.
    func may(toggle: Bool = false, editRules: Bool = false, environment: String) -> Bool {
        switch role {
        case .owner, .admin: return true
        case .viewer: return false
        case .developer:
            guard let entry = environmentPermissions[environment] else { return true }
            return (!toggle || entry.toggle) && (!editRules || entry.editRules)
        }
    }
}
