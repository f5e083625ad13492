import EdgeJSON
import EdgeKV

/// Everything a handler may touch: KV namespaces by binding, vars, secrets, a clock, a random
/// source and an outbound fetcher. Nothing else is global, so a handler is testable in-process and
/// each dependency can be swapped in tests.
public struct Env: Sendable {
    /// KV namespaces by binding name (`env.kv["FLAGS"]`).
    public var kv: [String: KVNamespace]
    /// `[vars]` of the config: strings or JSON values.
    public var vars: [String: JSONValue]
    /// Secrets from the process environment or `.dev.vars`; never in the config file.
    public var secrets: [String: String]
    /// Seconds since the Unix epoch.
    public var clock: @Sendable () -> Double
    /// Random bytes: the system CSPRNG, or a seeded source in tests.
    public var random: RandomSource
    /// Outbound HTTP (`request.target` is an absolute URL). The runner binds its own
    /// (`OutboundFetcher` in EdgeServer); elsewhere, until one is given, every fetch fails.
    public var fetch: @Sendable (Request) async throws -> Response

    /// An environment; every dependency has a default a test may replace.
    public init(kv: [String: KVNamespace] = [:], vars: [String: JSONValue] = [:], secrets: [String: String] = [:],
                clock: @escaping @Sendable () -> Double = { RealClock.now() },
                random: RandomSource = .system,
                fetch: @escaping @Sendable (Request) async throws -> Response = Env.noOutboundFetch) {
        self.kv = kv
        self.vars = vars
        self.secrets = secrets
        self.clock = clock
        self.random = random
        self.fetch = fetch
    }

    /// The `fetch` of an `Env` made without one: it fails, saying so. Tests pass a fake; the runner
    /// passes a real client.
    @Sendable
    public static func noOutboundFetch(_ request: Request) async throws -> Response {
        throw NoOutboundFetch(target: request.target)
    }

    /// Thrown by an `Env` that was given no outbound `fetch`.
    public struct NoOutboundFetch: Error, CustomStringConvertible {
        /// The URL the worker asked for.
        public var target: String
        /// Says that no fetcher is bound, and for which URL.
        public var description: String { "no outbound fetch is bound in this Env (asked for \(target))" }
    }

    /// A setting by name: a secret when one is set, else a var as text. Secrets win, as `.dev.vars`
    /// overrides `[vars]` in wrangler.
    public func setting(_ name: String) -> String? {
        if let secret = secrets[name] { return secret }
        switch vars[name] {
        case .string(let s)?: return s
        case let value?: return value.jsonString
        case nil: return nil
        }
    }
}

/// Cryptographically secure random bytes, replaceable by a seeded source in tests.
public struct RandomSource: Sendable {
    /// Fills the buffer with random bytes.
    public var fill: @Sendable (inout [UInt8]) -> Void

    /// A source that fills buffers with `fill` (seeded, for tests that need the same ids every run).
    public init(fill: @escaping @Sendable (inout [UInt8]) -> Void) {
        self.fill = fill
    }

    /// `count` fresh random bytes.
    public func bytes(_ count: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        fill(&out)
        return out
    }

    /// The system CSPRNG (`SystemRandomNumberGenerator` reads getrandom(2) on Linux).
    public static let system = RandomSource { bytes in
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = generator.next() }
    }
}

/// The wall clock, in seconds since the Unix epoch.
public enum RealClock {
    /// Now, from `CLOCK_REALTIME`.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}

#if canImport(Glibc)
import Glibc
#endif
