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
    let limiter: RateLimiter
    /// Serializes read-modify-write changes (versions, duplicates) across requests.
    let writes = AsyncLock()
    let subscribers = SubscriberHub()
    let tail = TailHub()
    private let prepared = Atomic<Bool>(false)

    init(env: Env) throws(APIError) {
        guard let flags = env.kv["FLAGS"], let tokens = env.kv["TOKENS"] else {
            throw APIError(status: 500, code: "INTERNAL_ERROR", message: "The FLAGS and TOKENS namespaces must be bound")
        }
        settings = FlagsSettings(env: env)
        self.flags = RecordStore(kv: flags)
        self.tokens = TokenStore(kv: tokens, random: env.random, clock: env.clock, cache: TokenCache())
        limiter = RateLimiter(evaluationLimit: settings.evaluationsPerMinute, managementLimit: settings.managementPerMinute)
        subscribers.resolver.withLock { resolver in
            resolver = { [unowned self] project, subscribers in FlagStream.push(subscribers, service: self, project: project) }
        }
    }

    /// Creates the `default` project on an empty store and installs the bootstrap token; idempotent.
    func prepare(now: Double) async throws(APIError) {
        if prepared.load(ordering: .acquiring) { return }
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
}
