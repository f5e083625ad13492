/// A member's role in an organization. Routes need at least one of three levels: read (all four),
/// write (owner, admin, developer) and admin (owner, admin).
enum Role: String, Sendable, CaseIterable {
    case owner, admin, developer, viewer

    private var rank: Int {
        switch self {
        case .owner: return 3
        case .admin: return 2
        case .developer: return 1
        case .viewer: return 0
        }
    }

    /// Whether this role may call a route that needs `needed` (`.viewer` read, `.developer` write,
    /// `.admin` admin). Owners and admins are equal to routes; only owners may make owners.
    func satisfies(_ needed: Role) -> Bool {
        min(rank, Role.admin.rank) >= min(needed.rank, Role.admin.rank)
    }
}
