import EdgeJSON
import EdgeKV
import Foundation

/// Runs a worker in-process, without a socket: an `Env` on a temporary store, and `dispatch`
/// to send it requests. For tests of workers and of everything built on them.
public final class WorkerHarness: Sendable {
    /// The worker under test.
    public let worker: any Worker
    /// The store on the temporary folder.
    public let store: KVStore
    /// The environment the worker gets: read and write KV through it in tests.
    public let env: Env
    /// `waitUntil` work of the requests so far.
    public let background = BackgroundWork()
    /// Where the store lives.
    public let directory: String
    private let ownsDirectory: Bool

    /// - Parameters:
    ///   - worker: the worker under test.
    ///   - namespaces: KV bindings to create, by binding name (ids are the lower-cased names): those
    ///     the worker's `wrangler-like.toml` declares.
    ///   - vars: the `[vars]` the worker sees.
    ///   - secrets: the secrets the worker sees.
    ///   - clock: injected time (seconds since the epoch), shared by the store and the env.
    ///   - random: the random source (seeded, for tests that need the same ids every run).
    ///   - fetch: the worker's outbound `fetch`; without one, every outbound fetch fails.
    ///   - directory: where the store lives; a temporary folder, removed with the harness, if nil.
    public init(worker: any Worker, namespaces: [String] = [], vars: [String: JSONValue] = [:],
                secrets: [String: String] = [:], clock: (@Sendable () -> Double)? = nil,
                random: RandomSource = .system,
                fetch: (@Sendable (Request) async throws -> Response)? = nil,
                directory: String? = nil) throws {
        let dir = directory ?? NSTemporaryDirectory() + "edgeworker-harness-\(UUID().uuidString)"
        self.directory = dir
        self.ownsDirectory = directory == nil
        var options = KVStoreOptions()
        options.mapSizeBytes = 256 << 20
        if let clock { options.clock = clock }
        let ids = namespaces.map { $0.lowercased() }
        store = try KVStore(directory: dir, namespaces: ids, options: options)
        var kv: [String: KVNamespace] = [:]
        for binding in namespaces { kv[binding] = store.namespace(binding.lowercased()) }
        env = Env(kv: kv, vars: vars, secrets: secrets, clock: clock ?? { RealClock.now() }, random: random,
                  fetch: fetch ?? Env.noOutboundFetch)
        self.worker = worker
    }

    deinit {
        store.close()
        if ownsDirectory { try? FileManager.default.removeItem(atPath: directory) }
    }

    /// Sends `request` to the worker as the runner would: its immediate answer when it has one, else
    /// `fetch`, with the runner's 500 for a thrown error.
    public func dispatch(_ request: Request) async -> Response {
        let ctx = ExecutionContext(tracker: background)
        if let response = worker.immediateResponse(to: request, env: env, ctx: ctx) { return response }
        return await fetch(request, ctx: ctx)
    }

    /// Sends `request` to the worker's `fetch` only (never its immediate answer).
    public func fetch(_ request: Request) async -> Response {
        await fetch(request, ctx: ExecutionContext(tracker: background))
    }

    private func fetch(_ request: Request, ctx: ExecutionContext) async -> Response {
        do {
            return try await worker.fetch(request, env: env, ctx: ctx)
        } catch {
            return Response.json(["error": "Internal Server Error"], status: 500)
        }
    }

    /// Sends a request made of a method, a target, headers and a text body.
    public func dispatch(_ method: String, _ target: String, headers: Headers = [:], body: String = "") async -> Response {
        await dispatch(Request(method: method, target: target, headers: headers, body: Array(body.utf8)))
    }

    /// Runs the worker's `scheduled` handler as a cron trigger of `[triggers] crons` would, due at
    /// `scheduledTime` (default: the harness's clock now). Its errors are thrown to the test.
    public func scheduled(cron: String, at scheduledTime: Double? = nil) async throws {
        let event = ScheduledEvent(cron: cron, scheduledTime: scheduledTime ?? env.clock())
        try await worker.scheduled(event, env: env, ctx: ExecutionContext(tracker: background))
    }

    /// Waits for `waitUntil` work started by requests so far.
    public func settle(timeout: Double = 5) async {
        await background.drain(timeout: timeout)
    }
}
