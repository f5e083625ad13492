/// Whoever a route's authentication admitted. The audit log names it; the rate limiter counts it.
protocol Caller: Sendable {
    /// Who the audit log names as having made a change.
    var actor: String { get }
    /// The FeatureSignals user behind the call, if any (the audit log's `actor_id`).
    var actorID: String? { get }
    /// The member behind the call, when one made it (tenancy checks apply to members only).
    var account: Account? { get }
}

extension Caller {
    var actorID: String? { nil }
    var account: Account? { nil }
}

/// A caller bound to one project by its credential.
protocol ProjectScoped: Caller {
    var projectID: String { get }
}

/// No credential: public routes, and the service's own work (the cron trigger).
struct Anonymous: Caller {
    var actor: String { "system" }
}

extension TokenRecord: ProjectScoped {}

extension APIKeyRecord: ProjectScoped {
    var actor: String { "\(keyPrefix)..." }
}

extension Account: Caller {
    var actor: String { email }
    var actorID: String? { userID }
    var account: Account? { self }
}

/// The caller of `POST /api/v1/tokens`: an admin token, or (the bridge) an owner's or admin's
/// FeatureSignals access JWT, for any project of its organization.
enum TokenAdministrator: Caller {
    case token(TokenRecord)
    case member(Account)

    var actor: String {
        switch self {
        case .token(let token): token.actor
        case .member(let account): account.actor
        }
    }
    var actorID: String? { account?.userID }
    var account: Account? {
        if case .member(let account) = self { return account }
        return nil
    }
}
