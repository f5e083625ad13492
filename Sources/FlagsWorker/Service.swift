import EdgeJSON
import EdgeKV
import EdgeWorker
import Synchronization

/// The state one running flag service shares between requests: caches, rate limits, the write
/// lock and the stream hubs. Created from the first request's `Env`.
final class Service: Sendable {
    let settings: FlagsSettings
    let flags: RecordStore
    let tokens: TokenStore
    let projects = ProjectCache()
    /// Evaluation answers by request, valid per `FLAGS` sequence and schedule horizon.
    let answers = AnswerCache()
    let limiter = RateLimiter()
    /// Serializes read-modify-write changes (versions, duplicates) across requests.
    let writes = AsyncLock()
    let subscribers = SubscriberHub()
    let tail = TailHub()
    let accounts: AccountStore
    let sessions: SessionTokens
    let apiKeys: APIKeyStore
    let passwords: PasswordHasher
    let lockout: LoginLockout
    let tracking = TrackCounter()
    let metrics: EvaluationMetrics
    /// The `Env`'s clock: API keys expire by it.
    let clock: @Sendable () -> Double
    /// `GET /health`'s answer: fixed for the life of the service, so built and tagged once.
    let health: Response
    private let prepared = Atomic<Bool>(false)
    /// True once `prepare` has run: the store is seeded and the session keys installed.
    var isPrepared: Bool { prepared.load(ordering: .acquiring) }

    init(env: Env) throws(APIError) {
        guard let flags = env.kv["FLAGS"], let tokens = env.kv["TOKENS"] else {
            throw APIError(status: 500, code: "INTERNAL_ERROR", message: "The FLAGS and TOKENS namespaces must be bound")
        }
        settings = FlagsSettings(env: env)
        self.flags = RecordStore(kv: flags)
        self.tokens = TokenStore(kv: tokens, random: env.random, clock: env.clock, cache: TokenCache())
        let tokenRecords = RecordStore(kv: tokens)
        accounts = AccountStore(tokens: tokenRecords, flags: self.flags)
        sessions = SessionTokens(accessTTL: settings.accessTTLSeconds, refreshTTL: settings.refreshTTLSeconds)
        apiKeys = APIKeyStore(kv: tokenRecords)
        passwords = PasswordHasher(cost: settings.scryptCost)
        lockout = LoginLockout(maxFailures: settings.loginMaxFailures, windowSeconds: settings.loginLockoutSeconds)
        metrics = EvaluationMetrics(since: env.clock())
        clock = env.clock
        health = ETag.tagged(.json(["status": "ok", "environment": .string(settings.environment)],
                                   headers: ["Cache-Control": CachePolicy.health]))
    }

    /// Creates the `default` project on an empty store and installs the bootstrap token; idempotent.
    func prepare(now: Double) async throws(APIError) {
        if prepared.load(ordering: .acquiring) { return }
        await sessions.install(secret: settings.jwtSecret)
        // A replica receives the seeded project and the bootstrap token from its origin.
        if flags.kv.readOnlyOrigin != nil {
            prepared.store(true, ordering: .releasing)
            return
        }
        try await writes.run { () async throws(APIError) -> Void in
            if try flags.get(KeyLayout.project(Project.defaultID)) == nil {
                try await flags.put(KeyLayout.project(Project.defaultID), Project.defaultRecord(now: now))
            }
            if let token = settings.bootstrapToken {
                try await self.tokens.installBootstrap(token, projectID: Project.defaultID)
            }
        }
        prepared.store(true, ordering: .releasing)
    }

    func snapshot(project: String) throws(APIError) -> ProjectSnapshot {
        try projects.snapshot(project: project, store: flags)
    }

    /// The member behind `Authorization: Bearer <access JWT>`: a valid HS256 access token, not
    /// revoked, of a live session, whose member still exists (its current role is used).
    func authenticateAccount(_ request: Request, now: Double) async throws(APIError) -> Account {
        guard let header = request.headers["Authorization"] else { throw .fs(401, "missing authorization header") }
        guard let token = (try? BearerCredential.parse(request)) ?? nil, header.trimmingSpaces.lowercased().hasPrefix("bearer ") else {
            throw .fs(401, "invalid authorization format")
        }
        let invalid = APIError.fs(401, "invalid or expired token")
        guard let claims = await sessions.verify(token, issuer: SessionTokens.accessIssuer, now: now),
              try !accounts.isRevoked(tokenID: claims.jti.value), try accounts.sessionIsLive(claims.sid),
              let member = try accounts.member(org: claims.org_id, user: claims.user_id),
              let user = try accounts.user(id: claims.user_id) else { throw invalid }
        return Account(userID: claims.user_id, orgID: claims.org_id, role: member.role, email: user.email, claims: claims,
                       environmentPermissions: member.environmentPermissions)
    }
}
