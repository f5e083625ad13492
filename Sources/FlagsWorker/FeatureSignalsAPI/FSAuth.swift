import EdgeJSON
import EdgeWorker

/// `POST /v1/auth/register|login|refresh|logout`: accounts, JWT pairs, rotating refresh tokens.
/// The console's session routes (`ConsoleSession`) run the same steps and differ only in where the
/// refresh token travels (a cookie instead of the body).
enum FSAuth {
    static let environments: [(slug: String, name: String)] = [("dev", "Development"), ("staging", "Staging"),
                                                                ("production", "Production")]
    static let defaultColor = "#6B7280"

    /// Creates, all or nothing, the user (owner), the organization, the project `default` and its
    /// environments `dev`, `staging`, `production`. The email index is written last: until it is,
    /// no account exists, and a failure before it deletes what was written.
    static func register(_ call: PublicCall) async throws(APIError) -> Response {
        let (user, org, tokens) = try await createAccount(call)
        return .json(["user": user.answer(), "organization": .object(org.json), "tokens": tokens.json],
                     status: 201)
    }

    /// Registration itself: the records, then a new session; the caller chooses how to answer.
    static func createAccount(_ call: PublicCall) async throws(APIError)
        -> (user: UserRecord, org: OrganizationRecord, pair: SessionTokens.Pair)
    {
        let body = try call.featureSignalsBody()
        let email = AccountStore.normalizedEmail(try body.string("email") ?? "")
        let password = try body.string("password") ?? ""
        let name = (try body.string("name") ?? "").trimmingSpaces
        let orgName = (try body.string("org_name") ?? "").trimmingSpaces
        guard !email.isEmpty, !password.isEmpty, !name.isEmpty, !orgName.isEmpty else {
            throw .fs(400, "email, password, name, and org_name are required")
        }
        guard password.count >= 8 else { throw .fs(400, "password must be at least 8 characters") }
        guard email.utf8.count <= 254, email.contains("@"), name.count <= 200, orgName.count <= 200,
              password.utf8.count <= 1024 else { throw .fsInvalidBody }
        let service = call.service
        guard try service.accounts.user(email: email) == nil else { throw .fs(409, "email already registered") }
        // The expensive part, outside the write lock.
        guard let hash = await service.passwords.hash(password, random: call.env.random) else { throw .internalError }

        let (user, org) = try await service.writes.run { () async throws(APIError) -> (UserRecord, OrganizationRecord) in
            guard try service.accounts.user(email: email) == nil else { throw .fs(409, "email already registered") }
            let stamp = call.timestamp
            let userID = call.newID(), orgID = call.newID(), projectID = call.newID()
            let slug = try service.accounts.freeSlug(Slug.make(orgName), random: call.env.random)
            let org = OrganizationRecord(id: orgID, name: orgName, slug: slug, createdAt: stamp, updatedAt: stamp)
            let user = UserRecord(id: userID, email: email, name: name, orgID: orgID, passwordHash: hash, createdAt: stamp,
                                  updatedAt: stamp)
            var written: [(RecordStore, String)] = []
            func put(_ store: RecordStore, _ key: String, _ record: some JSONRecord) async throws(APIError) {
                written.append((store, key))
                try await store.put(key, record)
            }
            do {
                try await put(service.flags, KeyLayout.organization(orgID), org)
                try await put(service.flags, KeyLayout.organizationSlug(slug), OrganizationIndex(orgID: orgID))
                try await put(service.accounts.tokens, KeyLayout.user(userID), user)
                try await put(service.flags, KeyLayout.member(orgID, userID),
                              MemberRecord(userID: userID, orgID: orgID, role: .owner, createdAt: stamp, updatedAt: stamp))
                let project = FSProjects.project(id: projectID, orgID: orgID, name: "Default Project", slug: "default",
                                                 environments: environments.map(\.slug), timestamp: stamp)
                for (key, record) in FSProjects.records(project, environments: environments.map { ($0.slug, $0.name, defaultColor) },
                                                        newID: call.newID) {
                    try await put(service.flags, key, record)
                }
                try await put(service.accounts.tokens, KeyLayout.email(email), UserIndex(userID: userID))
            } catch let error as APIError {
                for (store, key) in written.reversed() { try? await store.delete(key) }
                throw error
            } catch {
                for (store, key) in written.reversed() { try? await store.delete(key) }
                throw .internalError
            }
            return (user, org)
        }
        let tokens = try await startSession(call, userID: user.id, orgID: org.id, role: .owner)
        return (user, org, tokens)
    }

    /// An unknown email runs the same scrypt work as a wrong password and gets the same answer.
    /// Failures are counted per email and client address (`LoginLockout`): an address that keeps
    /// guessing is slowed, then refused, and never the owner's own address.
    static func login(_ call: PublicCall) async throws(APIError) -> Response {
        let (user, tokens) = try await signIn(call)
        return .json(["user": user.answer(full: false), "tokens": tokens.json])
    }

    /// The checks of a login (lockout, password) and a new session for the user.
    static func signIn(_ call: PublicCall) async throws(APIError) -> (user: UserRecord, pair: SessionTokens.Pair) {
        let body = try call.featureSignalsBody()
        let email = AccountStore.normalizedEmail(try body.string("email") ?? "")
        let password = try body.string("password") ?? ""
        let service = call.service
        let millis = Int64(call.now * 1000)
        let address = call.request.client.ip
        if let retry = service.lockout.retryAfter(email, address: address, nowMillis: millis) {
            throw .fs(429, "too many failed login attempts, try again later", headers: ["Retry-After": String(retry)])
        }
        let user = email.isEmpty ? nil : try service.accounts.user(email: email)
        let matches = await service.passwords.verify(password, against: user?.passwordHash)
        guard matches, let user, let role = try service.accounts.member(org: user.orgID, user: user.id)?.role else {
            service.lockout.recordFailure(email, address: address, nowMillis: millis)
            throw .fs(401, "invalid credentials")
        }
        service.lockout.recordSuccess(email, address: address)
        let tokens = try await startSession(call, userID: user.id, orgID: user.orgID, role: role)
        return (user, tokens)
    }

    /// Rotates: the presented refresh token is spent and a new pair returned. A spent one presented
    /// again means it was copied, so its whole session is revoked.
    static func refresh(_ call: PublicCall) async throws(APIError) -> Response {
        let body = try call.featureSignalsBody()
        guard let presented = try body.string("refresh_token") else { throw .fsInvalidBody }
        guard let claims = await call.service.sessions.verify(presented, issuer: SessionTokens.refreshIssuer, now: call.now) else {
            throw APIError.fs(401, "invalid refresh token")
        }
        return .json(try await rotate(call, claims: claims).json)
    }

    /// Spends the refresh token of `claims` for a new pair; a spent one revokes its whole session.
    static func rotate<Who>(_ call: Call<Who>, claims: SessionClaims) async throws(APIError) -> SessionTokens.Pair {
        let invalid = APIError.fs(401, "invalid refresh token")
        let service = call.service
        return try await service.writes.run { () async throws(APIError) -> SessionTokens.Pair in
            guard let session = try service.accounts.session(claims.sid), session.isLive else { throw invalid }
            guard session.refreshJTI == claims.jti.value else {
                try await service.accounts.revoke(session: claims.sid, now: call.now, ttl: service.settings.refreshTTLSeconds)
                throw invalid
            }
            guard let role = try service.accounts.member(org: claims.org_id, user: claims.user_id)?.role else { throw invalid }
            let pair: SessionTokens.Pair
            do {
                pair = try await service.sessions.issue(userID: claims.user_id, orgID: claims.org_id, role: role,
                                                        session: claims.sid, now: call.now, newID: call.newID)
            } catch {
                throw .internalError
            }
            try await service.accounts.rotate(session: claims.sid, to: pair.refreshClaims.jti.value, now: call.now,
                                              ttl: service.settings.refreshTTLSeconds)
            return pair
        }
    }

    /// Revokes the access token and its whole session (every refresh token of the login).
    static func logout(_ call: MemberCall) async throws(APIError) -> Response {
        let claims = call.member.claims
        try await call.service.accounts.revoke(tokenID: claims.jti.value, expiresAt: claims.exp.value.timeIntervalSince1970,
                                               now: call.now)
        try await endSession(call, claims.sid)
        return Response(status: 204, bytes: [])
    }

    /// Revokes every token of the login session `sid`.
    static func endSession<Who>(_ call: Call<Who>, _ sid: String) async throws(APIError) {
        try await call.service.accounts.revoke(session: sid, now: call.now, ttl: call.service.settings.refreshTTLSeconds)
    }

    private static func startSession<Who>(_ call: Call<Who>, userID: String, orgID: String, role: Role) async throws(APIError)
        -> SessionTokens.Pair
    {
        let session = call.newID()
        let pair: SessionTokens.Pair
        do {
            pair = try await call.service.sessions.issue(userID: userID, orgID: orgID, role: role, session: session,
                                                         now: call.now, newID: call.newID)
        } catch {
            throw .internalError
        }
        try await call.service.accounts.startSession(session, userID: userID, orgID: orgID,
                                                     refreshID: pair.refreshClaims.jti.value, now: call.now,
                                                     ttl: call.service.settings.refreshTTLSeconds)
        return pair
    }
}
