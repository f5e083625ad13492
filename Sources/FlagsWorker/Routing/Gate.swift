/// How a route admits its callers, typed by who they are: the declaration `/openapi.json` reads,
/// and the step the admission pipeline runs to turn a request into a `Call<Who>`.
///
/// A route is made from a gate and a handler of the same `Who`, so a token route's handler always
/// gets a token, a member route's handler a member.
struct Gate<Who: Caller>: Sendable {
    let authentication: Authentication
    let credentialLocation: CredentialLocation
    let admit: Step

    enum Step: Sendable {
        /// Admission that never suspends: the route may be answered without a task.
        case now(@Sendable (inout Admission) throws(APIError) -> Who)
        /// Admission that suspends (a JWT is verified by an actor).
        case later(@Sendable (inout Admission) async throws(APIError) -> Who)
    }
}

extension Gate where Who == Anonymous {
    /// No credential.
    static var open: Gate {
        Gate(authentication: .none, credentialLocation: .header, admit: .now { admission throws(APIError) in
            try admission.countClientAddress()
            return Anonymous()
        })
    }
}

extension Gate where Who == TokenRecord {
    /// An `ff_` token allowed `requirement`, in `Authorization: Bearer` (or `location`'s query).
    static func token(_ requirement: TokenRequirement, at location: CredentialLocation = .header) -> Gate {
        Gate(authentication: .token(requirement), credentialLocation: location, admit: .now { admission throws(APIError) in
            try admission.countClientAddress()
            let token = try admission.authenticateToken(at: location)
            try admission.count(token.hash)
            try TokenRecord.authorize(token, requirement)
            return token
        })
    }
}

extension Gate where Who == APIKeyRecord {
    /// An `fs_` key in `X-API-Key` (or `location`'s query).
    static func apiKey(at location: CredentialLocation = .header) -> Gate {
        Gate(authentication: .apiKey, credentialLocation: location, admit: .now { admission throws(APIError) in
            try admission.countClientAddress()
            let key = try admission.authenticateAPIKey(at: location)
            try admission.count("k" + key.id)
            return key
        })
    }
}

extension Gate where Who == Account {
    /// A member with at least `role`, by access JWT.
    static func member(_ role: Role) -> Gate {
        Gate(authentication: .member(role), credentialLocation: .header, admit: .later { admission async throws(APIError) in
            try admission.countClientAddress()
            let account = try await admission.authenticateMember()
            try admission.count("u" + account.userID)
            guard account.role.satisfies(role) else { throw .fsInsufficientPermissions }
            return account
        })
    }
}

extension Gate where Who == TokenAdministrator {
    /// An admin token, or an owner's or admin's access JWT (the bridge to `POST /api/v1/tokens`).
    static var tokenAdministrator: Gate {
        Gate(authentication: .tokenOrMember, credentialLocation: .header, admit: .later { admission async throws(APIError) in
            try admission.countClientAddress()
            guard let bearer = try BearerCredential.parse(admission.request), bearer.split(separator: ".").count == 3 else {
                let token = try admission.authenticateToken(at: .header)
                try admission.count(token.hash)
                try TokenRecord.authorize(token, .admin)
                return .token(token)
            }
            guard let account = try? await admission.authenticateMember() else { throw .unauthorized }
            try admission.count("u" + account.userID)
            guard account.role.satisfies(.admin) else { throw .adminRequired }
            return .member(account)
        })
    }
}

extension TokenRecord {
    static func authorize(_ token: TokenRecord, _ requirement: TokenRequirement) throws(APIError) {
        switch requirement {
        case .anyToken: return
        case .admin: if !token.isAdmin { throw .adminRequired }
        case .permission(let permission): if !token.allows(permission) { throw .forbidden }
        case .anyRead: if !token.allows(.readFlags) && !token.allows(.readConfigs) { throw .forbidden }
        }
    }
}
