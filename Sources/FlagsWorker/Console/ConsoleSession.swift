import Crypto
import EdgeJSON
import EdgeWorker

/// The console's sign-in, kept out of its JavaScript's reach: the refresh token lives in an
/// `HttpOnly`, `SameSite=Strict` cookie scoped to `/console/session` (`Secure` when a trusted proxy
/// says the request came over HTTPS); the access token is answered in the body and kept in memory
/// only. The two routes that act on the cookie (refresh, sign-out) also need `X-CSRF-Token`: an
/// HMAC of the session id, sent in the body and in a readable cookie that carries no authority of
/// its own. Sign-in, registration, rotation and revocation are `FSAuth`'s, so lockout, theft
/// detection and revocation behave exactly as on `/v1/auth`.
struct ConsoleSession: Caller {
    /// The claims of the refresh token in the cookie.
    let claims: SessionClaims

    var actor: String { claims.user_id }
    var actorID: String? { claims.user_id }

    static let refreshCookie = "edgeflags_refresh"
    static let csrfCookie = "edgeflags_csrf"
    static let csrfHeader = "X-CSRF-Token"
    static let crossSite = APIError.fs(403, "missing or wrong X-CSRF-Token, or a request from another site")

    /// A sign-in posted by another site's page (login CSRF: the victim signed in as the attacker)
    /// is refused like a cookie route's.
    static func signIn(_ call: PublicCall) async throws(APIError) -> Response {
        guard isSameOrigin(call.request) else { throw crossSite }
        let (user, pair) = try await FSAuth.signIn(call)
        return started(call, pair, user: user, status: 200)
    }

    static func register(_ call: PublicCall) async throws(APIError) -> Response {
        guard isSameOrigin(call.request) else { throw crossSite }
        let (user, _, pair) = try await FSAuth.createAccount(call)
        return started(call, pair, user: user, status: 201)
    }

    /// Rotates the cookie's refresh token (a spent one revokes the session, as on `/v1/auth/refresh`).
    static func refresh(_ call: Call<ConsoleSession>) async throws(APIError) -> Response {
        let pair = try await FSAuth.rotate(call, claims: call.caller.claims)
        let user = try call.service.accounts.user(id: pair.accessClaims.user_id)
        return started(call, pair, user: user, status: 200)
    }

    /// Revokes the whole session, so its access token is refused too, and clears both cookies.
    static func signOut(_ call: Call<ConsoleSession>) async throws(APIError) -> Response {
        try await FSAuth.endSession(call, call.caller.claims.sid)
        var headers: Headers = ["Cache-Control": "no-store"]
        headers.add("Set-Cookie", cookie(refreshCookie, "", path: "/console/session", maxAge: 0, httpOnly: true, call.request))
        headers.add("Set-Cookie", cookie(csrfCookie, "", path: "/console", maxAge: 0, httpOnly: false, call.request))
        return Response(status: 204, headers: headers, bytes: [])
    }

    /// The body (`access_token`, `expires_at`, `csrf_token`, `user`) and the two cookies.
    private static func started<Who>(_ call: Call<Who>, _ pair: SessionTokens.Pair, user: UserRecord?,
                                     status: Int) -> Response {
        let csrf = csrfToken(session: pair.refreshClaims.sid, secret: call.service.settings.jwtSecret)
        let maxAge = Int(call.service.settings.refreshTTLSeconds)
        var headers: Headers = ["Cache-Control": "no-store"]
        headers.add("Set-Cookie", cookie(refreshCookie, pair.refresh, path: "/console/session", maxAge: maxAge, httpOnly: true,
                                         call.request))
        headers.add("Set-Cookie", cookie(csrfCookie, csrf, path: "/console", maxAge: maxAge, httpOnly: false, call.request))
        let body: JSONValue = ["access_token": .string(pair.access),
                               "expires_at": pair.json["expires_at"] ?? .null,
                               "csrf_token": .string(csrf), "user": user?.answer(full: false) ?? .object([:]),
                               "org_id": .string(pair.accessClaims.org_id), "role": .string(pair.accessClaims.role)]
        return .json(body, status: status, headers: headers)
    }

    static func cookie(_ name: String, _ value: String, path: String, maxAge: Int, httpOnly: Bool, _ request: Request) -> String {
        var text = "\(name)=\(value); Path=\(path); Max-Age=\(maxAge); SameSite=Strict"
        if httpOnly { text += "; HttpOnly" }
        // `client.scheme` is `https` only when a trusted proxy said so (X-Forwarded-Proto).
        if request.client.scheme == "https" { text += "; Secure" }
        return text
    }

    /// The value of cookie `name` in the request's `Cookie` headers.
    static func cookie(_ name: String, in request: Request) -> String? {
        for header in request.headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2, String(parts[0]).trimmingSpaces == name {
                    return String(parts[1]).trimmingSpaces
                }
            }
        }
        return nil
    }

    /// HMAC-SHA256 of the session id under a key derived from `JWT_SECRET`: only this service can
    /// make it, and it names one session.
    static func csrfToken(session: String, secret: String) -> String {
        let key = SymmetricKey(data: SHA256.hash(data: Array(("edgeflags-console-csrf:" + secret).utf8)))
        return Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(session.utf8), using: key))
    }

    /// Compares in time that does not depend on where the texts differ.
    static func sameBytes(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// A browser names the page that sent a request (`Origin`, `Sec-Fetch-Site`): one of another
    /// site is refused even before the CSRF token is looked at.
    static func isSameOrigin(_ request: Request) -> Bool {
        if let site = request.headers["Sec-Fetch-Site"], site != "same-origin" { return false }
        guard let origin = request.headers["Origin"] else { return true }
        guard let host = request.headers["Host"] else { return false }
        return origin == "http://" + host || origin == "https://" + host
    }
}

extension Gate where Who == ConsoleSession {
    /// The refresh cookie, from this origin, with the session's `X-CSRF-Token`.
    static var consoleSession: Gate {
        Gate(authentication: .consoleSession, credentialLocation: .cookie(ConsoleSession.refreshCookie),
             admit: .later { admission async throws(APIError) in
                 try admission.countClientAddress()
                 let request = admission.request
                 guard let token = ConsoleSession.cookie(ConsoleSession.refreshCookie, in: request), !token.isEmpty,
                       let claims = await admission.service.sessions.verify(token, issuer: SessionTokens.refreshIssuer,
                                                                            now: admission.now) else {
                     throw .fs(401, "not signed in: sign in again")
                 }
                 try admission.count("u" + claims.user_id)
                 let expected = ConsoleSession.csrfToken(session: claims.sid, secret: admission.service.settings.jwtSecret)
                 guard ConsoleSession.isSameOrigin(request), let presented = request.headers[ConsoleSession.csrfHeader],
                       ConsoleSession.sameBytes(presented, expected) else {
                     throw ConsoleSession.crossSite
                 }
                 return ConsoleSession(claims: claims)
             })
    }
}
