@testable import EdgeServer
import EdgeJSON
import Foundation
import Testing

/// Connections one client can hold: the loopback clients here come from 127.0.0.1, which a default
/// config trusts as a proxy, so every test names its trusted proxies.
@Suite("Runner: connection caps", .serialized)
struct ConnectionCapTests {
    private func expectRefusal(_ client: RawHTTPClient) async throws {
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let refused = try #require(await client.readResponse())
        #expect(refused.status == 503)
        #expect(refused.headers["retry-after"] == "1")
        #expect(try JSONValue.parse(refused.body)["code"]?.stringValue != nil)
        #expect(await client.isClosedByPeer())
    }

    private func expectHello(_ client: RawHTTPClient) async throws {
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(await client.readResponse()?.text == "hello")
    }

    @Test func oneAddressCannotTakeEveryConnection() async throws {
        try await withRunner({ settings in
            settings.trustedProxies = []
            settings.maxConnectionsPerClient = 4
            settings.maxConnections = 100
        }) { server, port, _ in
            var flood: [RawHTTPClient] = []
            for _ in 0..<4 { flood.append(try RawHTTPClient(port: port)) }
            #expect(await eventually { server.openConnections == 4 })

            try await expectRefusal(try RawHTTPClient(port: port))
            #expect(server.refusedConnections.perClient == 1)
            #expect(server.refusedConnections.total == 0)

            // Another address is served beside the flood; it stays open so that the count of open
            // connections below moves only when one of the flood goes.
            let other = try RawHTTPClient(port: port, source: "127.0.0.2")
            try await expectHello(other)
            #expect(await eventually { server.openConnections == 4 + 1 })

            // One of the flood going makes room for one more from its address.
            flood.removeFirst()
            #expect(await eventually { server.openConnections == 3 + 1 })
            try await expectHello(try RawHTTPClient(port: port))
            withExtendedLifetime(flood) {}
            withExtendedLifetime(other) {}
        }
    }

    @Test func aTrustedProxyIsNotCountedAgainstTheLimit() async throws {
        try await withRunner({ settings in
            settings.trustedProxies = ["127.0.0.1"]
            settings.maxConnectionsPerClient = 2
        }) { server, port, _ in
            let proxied = try (0..<4).map { _ in try RawHTTPClient(port: port) }
            for client in proxied { try await expectHello(client) }
            // The same limit holds for an address that is not a trusted proxy.
            let direct = try (0..<2).map { _ in try RawHTTPClient(port: port, source: "127.0.0.2") }
            for client in direct { try await expectHello(client) }
            try await expectRefusal(try RawHTTPClient(port: port, source: "127.0.0.2"))
            #expect(server.refusedConnections.perClient == 1)
        }
    }

    @Test func overTheGlobalCapAConnectionIsAnswered503() async throws {
        try await withRunner({ settings in
            settings.trustedProxies = []
            settings.maxConnections = 2
        }) { server, port, _ in
            let held = try (0..<2).map { _ in try RawHTTPClient(port: port) }
            #expect(await eventually { server.openConnections == 2 })
            try await expectRefusal(try RawHTTPClient(port: port))
            #expect(server.refusedConnections.total == 1)
            withExtendedLifetime(held) {}
        }
    }

    @Test func aConnectionThatNeverSendsAByteIsClosedAfterTheHeaderTimeout() async throws {
        try await withRunner({ settings in
            settings.trustedProxies = []
            settings.headerTimeoutSeconds = 0.3
            settings.idleTimeoutSeconds = 60
        }) { server, port, _ in
            let used = try RawHTTPClient(port: port)
            try await expectHello(used)
            let silent = try RawHTTPClient(port: port)
            // Closed long before the 60 s idle timeout.
            #expect(await silent.isClosedByPeer(timeout: 5))
            // A connection that has sent a request is kept alive past the header timeout.
            try await expectHello(used)
        }
    }
}
