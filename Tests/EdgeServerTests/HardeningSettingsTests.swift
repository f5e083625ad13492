import EdgeWorker
import Testing

/// The `[server]` keys of the limits under hostile clients (EdgeServer.docc/Hardening.md).
@Suite("Runner: hardening settings")
struct HardeningSettingsTests {
    @Test func theKeysLoadFromServerWithTheirDefaultsOtherwise() throws {
        let defaults = try ConfigLoader.parse("name = \"w\"\n").server
        #expect(defaults.maxConnectionsPerClient == 256)
        #expect(defaults.headerTimeoutSeconds == 5)
        #expect(defaults.maxUnsentBytes == 65536)

        let config = try ConfigLoader.parse("""
            name = "w"
            [server]
            max_connections_per_client = 8
            header_timeout_seconds = 2.5
            max_unsent_bytes = 4096
            """)
        #expect(config.server.maxConnectionsPerClient == 8)
        #expect(config.server.headerTimeoutSeconds == 2.5)
        #expect(config.server.maxUnsentBytes == 4096)
        #expect(config.warnings.isEmpty)
    }

    @Test func limitsOfZeroAreRefused() {
        for key in ["max_connections_per_client = 0", "header_timeout_seconds = 0", "max_unsent_bytes = -1"] {
            #expect(throws: ConfigError.self) { try ConfigLoader.parse("name = \"w\"\n[server]\n\(key)\n") }
        }
    }
}
