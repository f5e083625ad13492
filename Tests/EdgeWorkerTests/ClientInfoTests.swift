import Testing
@testable import EdgeWorker

@Suite("ClientInfo.resolve: trusted proxies")
struct ClientInfoTests {
    let proxies = ["10.0.0.1", "10.0.0.2"]

    @Test func untrustedPeerIgnoresEveryProxyHeader() {
        let headers: Headers = ["X-Forwarded-For": "1.2.3.4", "X-Forwarded-Proto": "https", "X-Edge-PoP": "fra1"]
        let info = ClientInfo.resolve(peer: "203.0.113.9", headers: headers, trustedProxies: proxies)
        #expect(info == ClientInfo(ip: "203.0.113.9", peer: "203.0.113.9", scheme: "http", pop: nil))
    }

    @Test func noTrustedProxiesMeansThePeerIsTheClient() {
        let info = ClientInfo.resolve(peer: "10.0.0.1", headers: ["X-Forwarded-For": "1.2.3.4"], trustedProxies: [])
        #expect(info.ip == "10.0.0.1")
    }

    @Test func trustedPeerWithoutForwardedForKeepsThePeer() {
        let info = ClientInfo.resolve(peer: "10.0.0.1", headers: [:], trustedProxies: proxies)
        #expect(info == ClientInfo(ip: "10.0.0.1", peer: "10.0.0.1", scheme: "http", pop: nil))
    }

    @Test func trustedPeerTakesTheRightmostUntrustedHop() {
        let headers: Headers = ["X-Forwarded-For": "198.51.100.7, 10.0.0.2"]
        let info = ClientInfo.resolve(peer: "10.0.0.1", headers: headers, trustedProxies: proxies)
        #expect(info.ip == "198.51.100.7")
        #expect(info.peer == "10.0.0.1")
    }

    @Test func spoofedLeftmostEntriesAreIgnored() {
        // The client sent "X-Forwarded-For: 6.6.6.6, 7.7.7.7" itself; the proxy appended its real address.
        let headers: Headers = ["X-Forwarded-For": "6.6.6.6, 7.7.7.7,198.51.100.7"]
        let info = ClientInfo.resolve(peer: "10.0.0.1", headers: headers, trustedProxies: proxies)
        #expect(info.ip == "198.51.100.7")
    }

    @Test func multipleForwardedForHeadersAreReadAsOneList() {
        var headers = Headers()
        headers.add("X-Forwarded-For", "6.6.6.6")
        headers.add("x-forwarded-for", "198.51.100.7, 10.0.0.2")
        let info = ClientInfo.resolve(peer: "10.0.0.1", headers: headers, trustedProxies: proxies)
        #expect(info.ip == "198.51.100.7")

        var split = Headers()
        split.add("X-Forwarded-For", "6.6.6.6, 198.51.100.7")
        split.add("X-Forwarded-For", "10.0.0.2")
        #expect(ClientInfo.resolve(peer: "10.0.0.1", headers: split, trustedProxies: proxies).ip == "198.51.100.7")
    }

    @Test func emptyForwardedForEntriesAreSkipped() {
        let headers: Headers = ["X-Forwarded-For": "198.51.100.7, , "]
        #expect(ClientInfo.resolve(peer: "10.0.0.1", headers: headers, trustedProxies: proxies).ip == "198.51.100.7")
    }

    @Test func forwardedProtoHTTPSFromATrustedPeerSetsTheScheme() {
        let https = ClientInfo.resolve(peer: "10.0.0.1", headers: ["X-Forwarded-Proto": "HTTPS"], trustedProxies: proxies)
        #expect(https.scheme == "https")
        let other = ClientInfo.resolve(peer: "10.0.0.1", headers: ["X-Forwarded-Proto": "gopher"], trustedProxies: proxies)
        #expect(other.scheme == "http")
        let untrusted = ClientInfo.resolve(peer: "192.0.2.1", headers: ["X-Forwarded-Proto": "https"], trustedProxies: proxies)
        #expect(untrusted.scheme == "http")
    }

    @Test func popComesFromATrustedPeerOnly() {
        let headers: Headers = ["x-edge-pop": "ams2"]
        #expect(ClientInfo.resolve(peer: "10.0.0.2", headers: headers, trustedProxies: proxies).pop == "ams2")
        #expect(ClientInfo.resolve(peer: "192.0.2.1", headers: headers, trustedProxies: proxies).pop == nil)
        #expect(ClientInfo.resolve(peer: "10.0.0.2", headers: [:], trustedProxies: proxies).pop == nil)
    }
}
