import Crypto
import EdgeJSON
import Foundation
import JWTKit

/// The claims of FeatureSignals access and refresh tokens. `sid` names the login session (the
/// refresh family) the token belongs to, so logout and theft detection revoke all of it at once.
struct SessionClaims: JWTPayload, Equatable {
    var user_id: String
    var org_id: String
    var role: String
    var iat: IssuedAtClaim
    var exp: ExpirationClaim
    var iss: IssuerClaim
    var jti: IDClaim
    var sid: String

    /// Expiry and issuer are checked by `SessionTokens.verify` against the worker's clock.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issues and verifies FeatureSignals JWTs: HS256 with `JWT_SECRET`, nothing else. The header is
/// checked before jwt-kit sees the token, so `alg: none`, another HMAC size or an asymmetric
/// algorithm is refused whatever a library would make of it.
final class SessionTokens: Sendable {
    static let accessIssuer = "featuresignals"
    static let refreshIssuer = "featuresignals-refresh"

    struct Pair: Sendable {
        var access: String
        var refresh: String
        var accessClaims: SessionClaims
        var refreshClaims: SessionClaims

        var json: JSONValue {
            ["access_token": .string(access), "refresh_token": .string(refresh),
             "expires_at": .number(accessClaims.exp.value.timeIntervalSince1970.rounded(.down))]
        }
    }

    private let keys = JWTKeyCollection()
    let accessTTL: Double
    let refreshTTL: Double

    init(accessTTL: Double, refreshTTL: Double) {
        self.accessTTL = accessTTL
        self.refreshTTL = refreshTTL
    }

    /// Binds the key; `Service.prepare` calls it before the first request is served. HS256 wants a
    /// key at least as long as its hash (jwt-kit asserts it): a secret shorter than 32 bytes — the
    /// default is 31 — is stretched to its SHA-256, a longer one is used as it is.
    func install(secret: String) async {
        let bytes = Array(secret.utf8)
        let key = bytes.count >= 32 ? bytes : Array(SHA256.hash(data: bytes))
        await keys.add(hmac: HMACKey(from: key), digestAlgorithm: .sha256)
    }

    func issue(userID: String, orgID: String, role: Role, session: String, now: Double,
               newID: () -> String) async throws -> Pair {
        let issued = Date(timeIntervalSince1970: now.rounded(.down))
        func claims(_ issuer: String, _ ttl: Double) -> SessionClaims {
            SessionClaims(user_id: userID, org_id: orgID, role: role.rawValue, iat: IssuedAtClaim(value: issued),
                          exp: ExpirationClaim(value: issued.addingTimeInterval(ttl)), iss: IssuerClaim(value: issuer),
                          jti: IDClaim(value: newID()), sid: session)
        }
        let access = claims(Self.accessIssuer, accessTTL)
        let refresh = claims(Self.refreshIssuer, refreshTTL)
        return Pair(access: try await keys.sign(access), refresh: try await keys.sign(refresh),
                    accessClaims: access, refreshClaims: refresh)
    }

    /// The claims of a valid, unexpired token from `issuer`; nil for anything else.
    func verify(_ token: String, issuer: String, now: Double) async -> SessionClaims? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count <= 4096, parts.count == 3, let header = Base64URL.decode(parts[0]),
              let fields = try? JSONValue.parse(header), fields["alg"] == "HS256",
              fields["typ"] == nil || fields["typ"] == "JWT", fields["crit"] == nil else { return nil }
        guard let claims = try? await keys.verify(token, as: SessionClaims.self),
              claims.iss.value == issuer, claims.exp.value.timeIntervalSince1970 > now else { return nil }
        return claims
    }
}

/// Unpadded base64url (RFC 7515), decoding only: what a JWT header is written in.
enum Base64URL {
    static func decode(_ text: Substring) -> [UInt8]? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        guard !standard.contains("=") else { return nil }
        while standard.utf8.count % 4 != 0 { standard += "=" }
        return Data(base64Encoded: standard).map { Array($0) }
    }
}
