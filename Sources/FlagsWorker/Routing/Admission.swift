import EdgeWorker

/// One request on its way through the admission pipeline: what authentication and the rate limits
/// read, and the limit decision the answer reports.
struct Admission: Sendable {
    let policy: RoutePolicy
    /// The request before anyone is admitted.
    let anonymous: PublicCall
    /// The last rate-limit decision: its headers go on the answer, success or failure.
    private(set) var limits: RateLimiter.Decision?

    init(policy: RoutePolicy, request: Request, env: Env, ctx: ExecutionContext, parameters: RouteParameters,
         service: Service, now: Double) {
        self.policy = policy
        anonymous = PublicCall(request: request, env: env, ctx: ctx, parameters: parameters, service: service, now: now,
                               caller: Anonymous())
    }

    var request: Request { anonymous.request }
    var service: Service { anonymous.service }
    var now: Double { anonymous.now }

    /// The handler's view of the request, on behalf of `caller`.
    func call<Who: Caller>(_ caller: Who) -> Call<Who> { anonymous.on(behalfOf: caller) }

    // MARK: Rate limits

    /// Counts the request against its client address when the route says so (sign-in routes).
    mutating func countClientAddress() throws(APIError) {
        guard policy.rateLimit.perClientAddress else { return }
        try count("ip:" + request.client.ip, window: 0, limit: service.settings.authRequestsPerMinute)
    }

    /// Counts the request against the caller's budget, if the route has one.
    mutating func count(_ callerKey: String) throws(APIError) {
        guard let budget = policy.rateLimit.budget else { return }
        try count(callerKey, window: budget.rawValue, limit: budget.limit(service.settings))
    }

    /// Counts against `budget` rather than the route's, on a route that has one: a route whose
    /// callers hold different kinds of credential counts each kind in its own budget (OFREP).
    mutating func count(_ callerKey: String, budget: Budget) throws(APIError) {
        guard policy.rateLimit.budget != nil else { return }
        try count(callerKey, window: budget.rawValue, limit: budget.limit(service.settings))
    }

    private mutating func count(_ key: String, window: UInt8, limit: Int) throws(APIError) {
        let millis = Int64(now * 1000)
        let decision = service.limiter.check(key: key, window: window, limit: limit, nowMillis: millis)
        limits = decision
        guard decision.allowed else { throw .rateLimited(retryAfter: decision.retryAfter(nowMillis: millis)) }
    }

    // MARK: Credentials

    /// The `ff_` token of `Authorization: Bearer` (or of the location's query parameter).
    func authenticateToken(at location: CredentialLocation) throws(APIError) -> TokenRecord {
        var presented = try BearerCredential.parse(request)
        if presented == nil, let name = location.queryParameter { presented = request.queryParameter(name) }
        guard let presented, !presented.isEmpty, presented.utf8.count <= 512,
              let record = try service.tokens.authenticate(presented) else { throw .unauthorized }
        return record
    }

    /// The `fs_` key of `X-API-Key` (or of the location's query parameter); an expired key is
    /// refused like a revoked one.
    func authenticateAPIKey(at location: CredentialLocation) throws(APIError) -> APIKeyRecord {
        var presented = request.headers["X-API-Key"]?.trimmingSpaces
        if presented == nil || presented == "", let name = location.queryParameter { presented = request.queryParameter(name) }
        guard let presented, !presented.isEmpty else { throw .fs(401, "missing X-API-Key header") }
        guard let record = try service.apiKeys.authenticate(presented, now: now) else { throw .fs(401, "invalid API key") }
        return record
    }

    /// The member behind `Authorization: Bearer <access JWT>`.
    func authenticateMember() async throws(APIError) -> Account {
        try await service.authenticateAccount(request, now: now)
    }
}
