import EdgeWorker

/// One request as a route handler sees it, with the caller its route's authentication admitted.
///
/// The caller is typed: a handler of a token route takes a `Call<TokenRecord>`, one of a member
/// route a `Call<Account>`, so a credential the route requires cannot be missing when it runs.
struct Call<Who: Caller>: Sendable {
    let request: Request
    let env: Env
    let ctx: ExecutionContext
    let parameters: RouteParameters
    let service: Service
    let now: Double
    let caller: Who

    init(request: Request, env: Env, ctx: ExecutionContext, parameters: RouteParameters, service: Service,
         now: Double, caller: Who) {
        self.request = request
        self.env = env
        self.ctx = ctx
        self.parameters = parameters
        self.service = service
        self.now = now
        self.caller = caller
    }

    /// The same request on behalf of another caller (a member acting on what the system started).
    func on<Other: Caller>(behalfOf other: Other) -> Call<Other> {
        Call<Other>(request: request, env: env, ctx: ctx, parameters: parameters, service: service, now: now,
                    caller: other)
    }

    var actor: String { caller.actor }
    func parameter(_ name: String) -> String { parameters[name] ?? "" }
    var timestamp: String { Timestamp.format(now) }
}

/// An EdgeFlags route's call: an `ff_` token, which names the project the route works on.
typealias TokenCall = Call<TokenRecord>
/// A FeatureSignals management route's call: a member of an organization, by access JWT.
typealias MemberCall = Call<Account>
/// A FeatureSignals evaluation route's call: an `fs_` key, bound to one environment.
typealias KeyCall = Call<APIKeyRecord>
/// A route that needs no credential, or work the service starts itself (the cron).
typealias PublicCall = Call<Anonymous>

extension Call where Who: ProjectScoped {
    /// The project the call works on: its credential's.
    var project: String { caller.projectID }
}

extension Call where Who == Account {
    /// The member behind the access JWT.
    var member: Account { caller }
}

extension Call where Who == APIKeyRecord {
    var apiKey: APIKeyRecord { caller }
}

extension Call where Who == TokenRecord {
    var token: TokenRecord { caller }
}
