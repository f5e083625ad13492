import EdgeWorker

/// What a route declares about itself, read by the one admission pipeline and by `/openapi.json`:
/// its dialect, how callers authenticate and where their credential may be, and what limits it.
/// Nothing about a request's handling is decided by looking at its path.
struct RoutePolicy: Sendable, Equatable {
    var dialect: Dialect
    var authentication: Authentication
    var credentialLocation: CredentialLocation
    var rateLimit: RateLimit
}

/// The API a route speaks. It decides the error body and whether a successful answer carries an
/// `ETag`.
enum Dialect: Sendable, Equatable, CaseIterable {
    /// `/api/v1`, the streams and the service's own routes: `{"error", "code", "details"}`, and
    /// every successful answer tagged (`If-None-Match` → 304).
    case edgeFlags
    /// `/v1`: `{"error": message}`, as the FeatureSignals contract words it.
    case featureSignals
    /// `/ofrep/v1`: OpenFeature's `{"errorCode", "errorDetails"}`; 401 and 403 without a body. The
    /// bulk evaluation tags its own answers (over the context too), so no generic `ETag` here.
    case ofrep

    /// Where the dialect is mounted. Only a path that matches no route is placed by it, so that its
    /// 404 speaks the dialect the client was speaking; a route's own dialect is declared on it.
    var mount: String {
        switch self {
        case .edgeFlags: "/"
        case .featureSignals: "/v1/"
        case .ofrep: "/ofrep/v1/"
        }
    }

    /// The dialect of a path no route matches: the one with the longest mount that holds it.
    static func mounted(at path: Substring) -> Dialect {
        allCases.filter { path.hasPrefix($0.mount) }.max { $0.mount.count < $1.mount.count } ?? .edgeFlags
    }

    /// The error as this dialect's body.
    func response(for error: APIError) -> Response {
        switch self {
        case .edgeFlags: error.response
        case .featureSignals: error.featureSignalsResponse
        case .ofrep: error.ofrepResponse
        }
    }

    /// The 404 of a path no route matches, in the dialect's words.
    var routeNotFound: APIError {
        switch self {
        case .edgeFlags: .notFound("Route not found")
        case .featureSignals: .fs(404, "not found")
        case .ofrep: .ofrep(404, .general, "Route not found")
        }
    }

    /// The dialect's label in the runner's metrics (`edgeflags`): the case's own name, so a new
    /// dialect is labelled without a change here.
    var metricsName: String { String(describing: self).lowercased() }

    /// What a path no route matches is counted under in the runner's metrics, per dialect.
    var unmatchedTag: RouteTag { Self.unmatchedTags[self] ?? RouteTag.untagged }

    private static let unmatchedTags: [Dialect: RouteTag] = Dictionary(
        uniqueKeysWithValues: allCases.map { ($0, RouteTag(dialect: $0.metricsName, template: "unmatched")) })

    /// Whether successful answers get an `ETag` and `If-None-Match` handling.
    var tagsAnswers: Bool { self == .edgeFlags }
}

/// How a route's callers prove who they are.
enum Authentication: Sendable, Equatable {
    /// No credential.
    case none
    /// An EdgeFlags `ff_` token in `Authorization: Bearer`, allowed what the route needs.
    case token(TokenRequirement)
    /// An admin `ff_` token, or an owner's or admin's FeatureSignals access JWT (the bridge).
    case tokenOrMember
    /// A FeatureSignals access JWT of a member with at least this role.
    case member(Role)
    /// A FeatureSignals `fs_` API key in `X-API-Key`.
    case apiKey
    /// OFREP: an `fs_` key in `X-API-Key`, or an `ff_` token allowed `read:flags` in
    /// `Authorization: Bearer`.
    case apiKeyOrToken
    /// The console's refresh cookie with its CSRF header: `ConsoleSession`.
    case consoleSession
}

/// What an `ff_` token must be allowed to call a route.
enum TokenRequirement: Sendable, Equatable {
    /// Any valid token (its project and environments).
    case anyToken
    case permission(Permission)
    /// Either read permission (bulk evaluation: each map needs its own).
    case anyRead
    case admin
}

/// Where a route accepts its credential.
enum CredentialLocation: Sendable, Equatable {
    /// The credential's header only.
    case header
    /// The header, or this query parameter: browsers' `EventSource` and `WebSocket` cannot set
    /// headers, so the streams take `?token=` and `?api_key=`.
    case headerOrQuery(String)
    /// This cookie (`HttpOnly`): the console's refresh token, which its JavaScript never sees.
    case cookie(String)

    var queryParameter: String? {
        if case .headerOrQuery(let name) = self { return name }
        return nil
    }
}

/// How a route's requests are counted, per node, in windows of a minute. A counted answer carries
/// `X-RateLimit-Limit`, `-Remaining` and `-Reset`; past the budget it is a 429 with `Retry-After`.
struct RateLimit: Sendable, Equatable {
    /// Counted per client address before any credential is looked at (sign-in: guessing).
    var perClientAddress: Bool = false
    /// Counted per caller against this budget, once the caller is known.
    var budget: Budget?

    static let none = RateLimit()
    static let evaluation = RateLimit(budget: .tokenEvaluations)
    static let management = RateLimit(budget: .management)
    static let keyEvaluation = RateLimit(budget: .keyEvaluations)
    static let signIn = RateLimit(perClientAddress: true)
    /// Sign-out: by address like sign-in, then as the member's management.
    static let signOut = RateLimit(perClientAddress: true, budget: .management)
}

/// A per-caller budget (`FlagsSettings` holds each one's requests per minute).
enum Budget: UInt8, Sendable, Equatable {
    /// An `ff_` token's evaluations.
    case tokenEvaluations = 1
    /// Management by token or by member.
    case management = 2
    /// An `fs_` key's evaluations.
    case keyEvaluations = 3

    func limit(_ settings: FlagsSettings) -> Int {
        switch self {
        case .tokenEvaluations: settings.evaluationsPerMinute
        case .management: settings.managementPerMinute
        case .keyEvaluations: settings.apiKeyEvaluationsPerMinute
        }
    }
}
