/// Who sent a request, as far as the runner can tell: the socket peer, and what trusted reverse
/// proxies in front of it say about the original client.
public struct ClientInfo: Sendable, Equatable {
    /// The address of the client: the socket peer, or the nearest untrusted hop of
    /// `X-Forwarded-For` when the peer is a trusted proxy.
    public var ip: String
    /// The address the connection actually came from.
    public var peer: String
    /// `X-Forwarded-Proto` from a trusted proxy, else `http`.
    public var scheme: String
    /// The point of presence a trusted proxy names in `X-Edge-PoP`, if any.
    public var pop: String?

    /// A client as the runner saw it; `scheme` and `pop` as a trusted proxy told it.
    public init(ip: String, peer: String, scheme: String = "http", pop: String? = nil) {
        self.ip = ip
        self.peer = peer
        self.scheme = scheme
        self.pop = pop
    }

    /// Resolves the client from the peer address and the proxy headers. Headers are believed only
    /// when the peer is in `trustedProxies`; then `X-Forwarded-For` is read from the right, skipping
    /// trusted hops, so a client cannot spoof its address by sending the header itself.
    public static func resolve(peer: String, headers: Headers, trustedProxies: [String]) -> ClientInfo {
        guard trustedProxies.contains(peer) else { return ClientInfo(ip: peer, peer: peer) }
        var ip = peer
        guard headers.contains("X-Forwarded-For") || headers.contains("X-Forwarded-Proto") || headers.contains("X-Edge-PoP") else {
            return ClientInfo(ip: peer, peer: peer)
        }
        let hops = headers.values("X-Forwarded-For")
            .flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: " \t") }
            .filter { !$0.isEmpty }
        for hop in hops.reversed() {
            ip = hop
            if !trustedProxies.contains(hop) { break }
        }
        let proto = headers["X-Forwarded-Proto"]?.lowercased()
        return ClientInfo(ip: ip, peer: peer, scheme: proto == "https" ? "https" : "http", pop: headers["X-Edge-PoP"])
    }
}

extension StringProtocol {
    func trimmingCharacters(in set: String) -> String {
        let drop = Set(set)
        var slice = Substring(self)
        while let first = slice.first, drop.contains(first) { slice.removeFirst() }
        while let last = slice.last, drop.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
