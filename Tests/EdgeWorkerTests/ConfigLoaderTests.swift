import EdgeJSON
import Foundation
import Testing
@testable import EdgeWorker

/// Runs `body` and returns the ConfigError it threw; records an issue when it threw nothing or something else.
private func configError(_ body: () throws -> Any, sourceLocation: SourceLocation = #_sourceLocation) -> ConfigError? {
    #expect(throws: ConfigError.self, sourceLocation: sourceLocation) { _ = try body() }
}

@Suite("ConfigLoader: wrangler-like.toml")
struct ConfigLoaderTests {
    @Test func inlineArrayAndArrayOfTablesSpellingsOfKVNamespacesGiveTheSameBindings() throws {
        let inline = """
            name = "edgeflags"
            kv_namespaces = [
              { binding = "TOKENS", id = "tokens" },
              { binding = "FLAGS", id = "flags", preview_id = "flags-dev" },
            ]
            """
        let tables = """
            name = "edgeflags"

            [[kv_namespaces]]
            binding = "TOKENS"
            id = "tokens"

            [[kv_namespaces]]
            binding = "FLAGS"
            id = "flags"
            preview_id = "flags-dev"
            """
        let a = try ConfigLoader.parse(inline)
        let b = try ConfigLoader.parse(tables)
        let expected = [KVNamespaceBinding(binding: "TOKENS", id: "tokens"),
                        KVNamespaceBinding(binding: "FLAGS", id: "flags", previewID: "flags-dev")]
        #expect(a.kvNamespaces == expected)
        #expect(b.kvNamespaces == expected)
        #expect(a.warnings.isEmpty)
        #expect(b.warnings.isEmpty)
    }

    @Test func specExampleWithKVNamespacesBelowVarsGivesBindingsAndAWarning() throws {
        // The layout of the spec's example: in TOML, kv_namespaces here is a key of [vars].
        let config = try ConfigLoader.parse("""
            name = "edgeflags"
            main = "FlagsWorker"
            compatibility_date = "2026-11-01"

            [vars]
            ENVIRONMENT = "development"

            kv_namespaces = [
              { binding = "TOKENS", id = "tokens" },
              { binding = "FLAGS",  id = "flags" },
            ]
            """, file: "w.toml")
        #expect(config.kvNamespaces == [KVNamespaceBinding(binding: "TOKENS", id: "tokens"),
                                        KVNamespaceBinding(binding: "FLAGS", id: "flags")])
        #expect(config.vars == ["ENVIRONMENT": .string("development")])
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.contains("w.toml:8") == true)
        #expect(config.warnings.first?.contains("kv_namespaces") == true)
    }

    @Test func topLevelFieldsAreRead() throws {
        let config = try ConfigLoader.parse("""
            name = "edgeflags"
            main = "FlagsWorker"
            compatibility_date = "2026-11-01"
            """, file: "w.toml")
        #expect(config.name == "edgeflags")
        #expect(config.main == "FlagsWorker")
        #expect(config.compatibilityDate == "2026-11-01")
        #expect(config.path == "w.toml")
        #expect(config.environment == nil)
        #expect(config.kvNamespaces.isEmpty)
        #expect(config.vars.isEmpty)
        #expect(config.server == ServerSettings())
        #expect(config.storage == StorageSettings())
    }

    @Test func varsHoldStringsAndJSONValues() throws {
        let config = try ConfigLoader.parse("""
            [vars]
            ENVIRONMENT = "development"
            MAX_ITEMS = 25
            RATIO = 0.5
            ENABLED = true
            LIMITS = { burst = 10, names = ["a", "b"], nested = { on = false } }
            """)
        #expect(config.vars["ENVIRONMENT"] == .string("development"))
        #expect(config.vars["MAX_ITEMS"] == .number(25))
        #expect(config.vars["RATIO"] == .number(0.5))
        #expect(config.vars["ENABLED"] == .bool(true))
        #expect(config.vars["LIMITS"] == .object([
            "burst": .number(10),
            "names": .array([.string("a"), .string("b")]),
            "nested": .object(["on": .bool(false)]),
        ]))
        #expect(config.vars.count == 5)
    }

    @Test func envSectionReplacesVarsAndNamespacesWithoutInheritingTopLevel() throws {
        let top = """
            name = "edgeflags"
            kv_namespaces = [ { binding = "FLAGS", id = "flags" }, { binding = "TOKENS", id = "tokens" } ]

            [vars]
            ENVIRONMENT = "development"
            ONLY_TOP = "x"

            [env.production]
            name = "edgeflags-prod"
            vars = { ENVIRONMENT = "production" }
            kv_namespaces = [ { binding = "FLAGS", id = "flags-prod" } ]

            [env.staging]
            name = "edgeflags-staging"
            """

        let dev = try ConfigLoader.parse(top)
        #expect(dev.name == "edgeflags")
        #expect(dev.vars == ["ENVIRONMENT": .string("development"), "ONLY_TOP": .string("x")])
        #expect(dev.namespaceIDs == ["FLAGS": "flags", "TOKENS": "tokens"])

        let prod = try ConfigLoader.parse(top, environment: "production")
        #expect(prod.environment == "production")
        #expect(prod.name == "edgeflags-prod")
        #expect(prod.vars == ["ENVIRONMENT": .string("production")])
        #expect(prod.kvNamespaces == [KVNamespaceBinding(binding: "FLAGS", id: "flags-prod")])

        let staging = try ConfigLoader.parse(top, environment: "staging")
        #expect(staging.name == "edgeflags-staging")
        #expect(staging.vars.isEmpty)
        #expect(staging.kvNamespaces.isEmpty)
    }

    @Test func serverAndStorageSectionsAreReadAndOverriddenKeyByKeyInAnEnvironment() throws {
        let text = """
            name = "w"

            [server]
            ip = "0.0.0.0"
            port = 8787
            max_body_bytes = 2048
            idle_timeout_seconds = 30
            request_timeout_seconds = 2.5
            trusted_proxies = ["10.0.0.1", "10.0.0.2"]
            access_log = "debug"
            shutdown_grace_seconds = 3

            [storage]
            persist_to = "data"
            map_size_mb = 64
            durable = false

            [env.production.server]
            port = 443

            [env.production.storage]
            map_size_mb = 1024
            """
        let base = try ConfigLoader.parse(text)
        #expect(base.server.ip == "0.0.0.0")
        #expect(base.server.port == 8787)
        #expect(base.server.maxBodyBytes == 2048)
        #expect(base.server.idleTimeoutSeconds == 30)
        #expect(base.server.requestTimeoutSeconds == 2.5)
        #expect(base.server.trustedProxies == ["10.0.0.1", "10.0.0.2"])
        #expect(base.server.accessLog == "debug")
        #expect(base.server.shutdownGraceSeconds == 3)
        #expect(base.server.maxHeaderBytes == ServerSettings().maxHeaderBytes)
        #expect(base.storage.persistTo == "data")
        #expect(base.storage.mapSizeMB == 64)
        #expect(base.storage.durable == false)
        #expect(base.warnings.isEmpty)

        let prod = try ConfigLoader.parse(text, environment: "production")
        #expect(prod.server.port == 443)
        #expect(prod.server.ip == "0.0.0.0")  // not overridden: the top-level value stays
        #expect(prod.server.trustedProxies == ["10.0.0.1", "10.0.0.2"])
        #expect(prod.storage.mapSizeMB == 1024)
        #expect(prod.storage.persistTo == "data")
        #expect(prod.storage.durable == false)
    }

    @Test func replicationSectionMakesAReplicaAndIsOverriddenKeyByKeyInAnEnvironment() throws {
        let text = """
            name = "w"

            [replication]
            replica_of = "http://10.0.0.1:8080"
            poll_wait_seconds = 10
            page_size = 250

            [env.fra1.replication]
            replica_of = "https://origin.example.com"
            """
        let base = try ConfigLoader.parse(text)
        #expect(base.replication.replicaOf == "http://10.0.0.1:8080")
        #expect(base.replication.pollWaitSeconds == 10)
        #expect(base.replication.pageSize == 250)
        #expect(base.warnings.isEmpty)

        let pop = try ConfigLoader.parse(text, environment: "fra1")
        #expect(pop.replication.replicaOf == "https://origin.example.com")
        #expect(pop.replication.pollWaitSeconds == 10)  // not overridden: the top-level value stays
        #expect(pop.replication.pageSize == 250)

        // Without the section a node is an origin, with the defaults.
        let origin = try ConfigLoader.parse("name = \"w\"\n")
        #expect(origin.replication == ReplicationSettings())
        #expect(origin.replication.replicaOf == nil)
        #expect(origin.replication.pollWaitSeconds == 25)
        #expect(origin.replication.pageSize == 1000)
    }

    @Test func replicaOfThatIsNotAnHTTPURLIsAnErrorOnItsLine() {
        for bad in ["10.0.0.1:8080", "ftp://10.0.0.1/", "http://", "origin"] {
            let error = configError { try ConfigLoader.parse("name = \"w\"\n[replication]\nreplica_of = \"\(bad)\"\n", file: "w.toml") }
            #expect(error?.line == 3, "\(bad)")
            #expect(error?.message.contains("replica_of must be the origin's http(s) URL") == true, "\(bad)")
        }
        let notAString = configError { try ConfigLoader.parse("[replication]\nreplica_of = 8080\n") }
        #expect(notAString?.message.contains("\"replica_of\" must be a string") == true)
        let notATable = configError { try ConfigLoader.parse("replication = \"http://10.0.0.1:8080\"\n") }
        #expect(notATable?.message.contains("[replication] must be a table") == true)
    }

    @Test func theMetricsListenerIsOffByDefaultAndTakesAHostAndPort() throws {
        #expect(try ConfigLoader.parse("name = \"w\"\n").server.metrics == nil)
        #expect(try ConfigLoader.parse("[server]\nmetrics = \"127.0.0.1:9464\"\n").server.metrics == "127.0.0.1:9464")
        #expect(try ConfigLoader.parse("[server]\nmetrics = \"[::1]:9464\"\n").server.metrics == "[::1]:9464")
        for bad in ["9464", "127.0.0.1", ":9464", "127.0.0.1:port", "127.0.0.1:70000"] {
            let error = configError { try ConfigLoader.parse("[server]\nmetrics = \"\(bad)\"\n") }
            #expect(error?.message.contains("metrics must be \"host:port\"") == true, "\(bad)")
        }
    }

    @Test func outOfRangeReplicationSettingsAreErrorsAndUnknownKeysWarn() throws {
        let wait = configError { try ConfigLoader.parse("[replication]\npoll_wait_seconds = 31\n") }
        #expect(wait?.message.contains("poll_wait_seconds must be between 1 and 30") == true)
        #expect(wait?.line == 2)
        let page = configError { try ConfigLoader.parse("[replication]\npage_size = 0\n") }
        #expect(page?.message.contains("page_size must be between 1 and 10000") == true)
        let config = try ConfigLoader.parse("[replication]\nreplicaof = \"http://10.0.0.1:8080\"\n", file: "w.toml")
        #expect(config.replication.replicaOf == nil)
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.contains("replication.replicaof") == true)
        #expect(config.warnings.first?.contains("w.toml:2") == true)
    }

    @Test func previewIDIsUsedOnlyInPreviewMode() throws {
        let text = """
            kv_namespaces = [
              { binding = "FLAGS", id = "flags", preview_id = "flags-preview" },
              { binding = "TOKENS", id = "tokens" },
            ]
            """
        let normal = try ConfigLoader.parse(text)
        #expect(normal.preview == false)
        #expect(normal.namespaceIDs == ["FLAGS": "flags", "TOKENS": "tokens"])
        let preview = try ConfigLoader.parse(text, preview: true)
        #expect(preview.preview == true)
        #expect(preview.namespaceIDs == ["FLAGS": "flags-preview", "TOKENS": "tokens"])
    }

    @Test func devVarsBesideTheLoadedFileOverrideVars() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("wrangler-like.toml").path
        try """
            name = "w"
            [vars]
            ENVIRONMENT = "development"
            API_KEY = "from-vars"
            PLAIN = "plain"
            """.write(toFile: path, atomically: true, encoding: .utf8)
        try "# secrets\nAPI_KEY=\"from-dev-vars\"\nWEBHOOK_SECRET=s3cret\n"
            .write(toFile: dir.appendingPathComponent(".dev.vars").path, atomically: true, encoding: .utf8)

        let config = try ConfigLoader.load(path: path, processEnvironment: [:])
        #expect(config.secrets == ["API_KEY": "from-dev-vars", "WEBHOOK_SECRET": "s3cret"])
        let env = Env(vars: config.vars, secrets: config.secrets)
        #expect(env.setting("API_KEY") == "from-dev-vars")
        #expect(env.setting("WEBHOOK_SECRET") == "s3cret")
        #expect(env.setting("PLAIN") == "plain")
        #expect(env.setting("MISSING") == nil)
    }

    @Test func loadWithoutDevVarsHasNoSecrets() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("wrangler-like.toml").path
        try "name = \"w\"\n[vars]\nA = \"1\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let config = try ConfigLoader.load(path: path, processEnvironment: ["UNRELATED": "x"])
        #expect(config.secrets.isEmpty)
        #expect(config.name == "w")
    }

    @Test func loadOfAMissingFileThrowsConfigErrorNamingIt() {
        let path = "/nonexistent-\(UUID().uuidString)/wrangler-like.toml"
        let error = configError { try ConfigLoader.load(path: path, processEnvironment: [:]) }
        #expect(error?.file == path)
        #expect(error?.description.contains(path) == true)
    }

    @Test func brokenDevVarsFileFailsTheLoadWithItsLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("wrangler-like.toml").path
        try "name = \"w\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        try "A=1\nnot a pair\n".write(toFile: dir.appendingPathComponent(".dev.vars").path, atomically: true, encoding: .utf8)
        let error = configError { try ConfigLoader.load(path: path, processEnvironment: [:]) }
        #expect(error?.line == 2)
        #expect(error?.file.hasSuffix(".dev.vars") == true)
    }

    @Test func processEnvironmentOverridesDeclaredSecretsAndVarNamesOnly() throws {
        let config = try ConfigLoader.parse("""
            secrets = ["WEBHOOK_SECRET"]
            [vars]
            ENVIRONMENT = "development"
            """, devVars: ["WEBHOOK_SECRET": "from-dev-vars", "DEV_ONLY": "d"],
            processEnvironment: ["WEBHOOK_SECRET": "from-process", "ENVIRONMENT": "staging",
                                 "PATH": "/usr/bin", "HOME": "/root"])
        #expect(config.secretNames == ["WEBHOOK_SECRET"])
        #expect(config.secrets["WEBHOOK_SECRET"] == "from-process")
        #expect(config.secrets["ENVIRONMENT"] == "staging")
        #expect(config.secrets["DEV_ONLY"] == "d")
        #expect(config.secrets["PATH"] == nil)
        #expect(config.secrets["HOME"] == nil)
        let env = Env(vars: config.vars, secrets: config.secrets)
        #expect(env.setting("ENVIRONMENT") == "staging")
    }

    @Test func declaredSecretAbsentEverywhereIsNotSet() throws {
        let config = try ConfigLoader.parse("secrets = [\"MISSING\"]\n", processEnvironment: ["OTHER": "x"])
        #expect(config.secrets.isEmpty)
    }

    @Test func unknownTopLevelKeyWarnsWithKeyAndLine() throws {
        let config = try ConfigLoader.parse("""
            name = "w"
            main = "FlagsWorker"
            workers_dev = true
            """, file: "w.toml")
        #expect(config.warnings.count == 1)
        let warning = try #require(config.warnings.first)
        #expect(warning.contains("workers_dev"))
        #expect(warning.contains("w.toml:3"))
    }

    @Test func unknownServerKeyWarnsWithKeyAndLine() throws {
        let config = try ConfigLoader.parse("""
            name = "w"

            [server]
            port = 8080
            prot = 9090
            """, file: "w.toml")
        #expect(config.warnings.count == 1)
        let warning = try #require(config.warnings.first)
        #expect(warning.contains("server.prot"))
        #expect(warning.contains("w.toml:5"))
        #expect(config.server.port == 8080)
    }

    @Test func unknownStorageKeyWarns() throws {
        let config = try ConfigLoader.parse("[storage]\nmapsize = 5\n", file: "w.toml")
        #expect(config.warnings.count == 1)
        #expect(config.warnings.first?.contains("storage.mapsize") == true)
        #expect(config.warnings.first?.contains("w.toml:2") == true)
    }

    @Test func unknownKeyInSelectedEnvironmentWarnsWithKeyAndLine() throws {
        let config = try ConfigLoader.parse("""
            name = "w"

            [env.production]
            name = "w-prod"
            route = "example.com"
            """, file: "w.toml", environment: "production")
        #expect(config.warnings.count == 1)
        let warning = try #require(config.warnings.first)
        #expect(warning.contains("env.production.route"))
        #expect(warning.contains("w.toml:5"))
    }

    @Test func windowsLineEndingsKeepLineNumbersRight() throws {
        let text = "name = \"w\"\r\nmain = \"M\"\r\nworkers_dev = 1\r\n[server]\r\nport = \"x\"\r\n"
        let error = configError { try ConfigLoader.parse(text, file: "w.toml") }
        #expect(error?.line == 5)
        let ok = try ConfigLoader.parse("name = \"w\"\r\nworkers_dev = 1\r\n", file: "w.toml")
        #expect(ok.warnings.count == 1)
        #expect(ok.warnings.first?.contains("w.toml:2") == true)
    }

    @Test func unterminatedStringIsAConfigErrorOnItsLine() {
        let error = configError {
            try ConfigLoader.parse("name = \"w\"\nmain = \"FlagsWorker\"\ncompatibility_date = \"2026-11-01\n", file: "w.toml")
        }
        #expect(error?.line == 3)
        #expect(error?.file == "w.toml")
        #expect(error?.description.hasPrefix("w.toml:3") == true)
    }

    @Test func nameOfTheWrongTypeIsAnErrorOnItsLine() {
        let error = configError { try ConfigLoader.parse("main = \"x\"\nname = 5\n") }
        #expect(error?.line == 2)
        #expect(error?.message.contains("name") == true)
        #expect(error?.message.contains("string") == true)
    }

    @Test func portThatIsNotAnIntegerIsAnErrorOnItsLine() {
        let error = configError { try ConfigLoader.parse("name = \"w\"\n[server]\nport = \"x\"\n") }
        #expect(error?.line == 3)
        #expect(error?.message.contains("port") == true)
        #expect(error?.message.contains("integer") == true)
    }

    @Test func portOutOfRangeIsAnError() {
        let error = configError { try ConfigLoader.parse("[server]\nport = 70000\n") }
        #expect(error?.line == 2)
        #expect(error?.message.contains("65535") == true)
    }

    @Test func limitsAndTimeoutsOfZeroOrLessAreErrors() {
        for (key, value) in [("max_body_bytes", "0"), ("max_header_bytes", "-1"), ("max_connections", "0"),
                             ("idle_timeout_seconds", "0"), ("request_timeout_seconds", "-2.5"),
                             ("idle_timeout_seconds", "inf")] {
            let error = configError { try ConfigLoader.parse("[server]\n\(key) = \(value)\n") }
            #expect(error?.line == 2, "\(key) = \(value)")
            #expect(error?.message.contains(key) == true, "\(key) = \(value)")
        }
        #expect((try? ConfigLoader.parse("[server]\nidle_timeout_seconds = 0.5\nmax_connections = 1\n")) != nil)
    }

    @Test func invalidAccessLogLevelAndMapSizeAreErrors() {
        let a = configError { try ConfigLoader.parse("[server]\naccess_log = \"loud\"\n") }
        #expect(a?.message.contains("access_log") == true)
        let b = configError { try ConfigLoader.parse("[storage]\nmap_size_mb = 0\n") }
        #expect(b?.message.contains("map_size_mb") == true)
        #expect(b?.line == 2)
    }

    @Test func kvEntryWithoutIDIsAnErrorNamingTheBinding() {
        let error = configError {
            try ConfigLoader.parse("name = \"w\"\n\n[[kv_namespaces]]\nbinding = \"FLAGS\"\n")
        }
        #expect(error?.line == 3)
        #expect(error?.message.contains("FLAGS") == true)
        #expect(error?.message.contains("id") == true)
    }

    @Test func kvEntryWithoutBindingIsAnError() {
        let error = configError { try ConfigLoader.parse("kv_namespaces = [ { id = \"flags\" } ]\n") }
        #expect(error?.line == 1)
        #expect(error?.message.contains("binding") == true)
    }

    @Test func duplicateBindingIsAnError() {
        let error = configError {
            try ConfigLoader.parse("""
                name = "w"
                kv_namespaces = [
                  { binding = "FLAGS", id = "a" },
                  { binding = "FLAGS", id = "b" },
                ]
                """)
        }
        #expect(error?.line == 2)
        #expect(error?.message.contains("FLAGS") == true)
        #expect(error?.message.contains("twice") == true)
    }

    @Test func kvNamespacesThatIsNotAnArrayIsAnError() {
        let error = configError { try ConfigLoader.parse("kv_namespaces = \"flags\"\n") }
        #expect(error?.message.contains("kv_namespaces") == true)
    }

    @Test func selectingAMissingEnvironmentIsAnError() {
        let error = configError {
            try ConfigLoader.parse("name = \"w\"\n[env.production]\nname = \"p\"\n", environment: "nope")
        }
        #expect(error?.message.contains("[env.nope]") == true)
    }

    @Test func invalidCronIsAnErrorQuotingIt() {
        let error = configError {
            try ConfigLoader.parse("name = \"w\"\n[triggers]\ncrons = [\"61 * * * *\"]\n")
        }
        #expect(error?.line == 3)
        #expect(error?.message.contains("61 * * * *") == true)
    }

    @Test func validCronsAreReadAndInheritedUnlessTheEnvironmentSetsItsOwn() throws {
        let text = """
            [triggers]
            crons = ["*/5 * * * *", "0 0 * * *"]

            [env.production]
            name = "p"

            [env.hourly]
            triggers = { crons = ["0 * * * *"] }
            """
        #expect(try ConfigLoader.parse(text).crons == ["*/5 * * * *", "0 0 * * *"])
        #expect(try ConfigLoader.parse(text, environment: "production").crons == ["*/5 * * * *", "0 0 * * *"])
        #expect(try ConfigLoader.parse(text, environment: "hourly").crons == ["0 * * * *"])
    }

    @Test func secretsThatAreNotStringsAreAnError() {
        let error = configError { try ConfigLoader.parse("secrets = [1, 2]\n") }
        #expect(error?.line == 1)
        #expect(error?.message.contains("secrets") == true)
    }
}

@Suite("DevVars: .dev.vars parsing")
struct DevVarsTests {
    @Test func parsesPairsCommentsQuotesAndExport() throws {
        let vars = try DevVars.parse("""
            # a comment
            PLAIN=value
              SPACED = padded value  
            DOUBLE="quoted # not a comment"
            SINGLE='single quoted'
            export EXPORTED=yes
            MULTI="line1\\nline2"
            RAW='no\\nescape'
            EQUALS=a=b=c
            EMPTY=

            """)
        #expect(vars["PLAIN"] == "value")
        #expect(vars["SPACED"] == "padded value")
        #expect(vars["DOUBLE"] == "quoted # not a comment")
        #expect(vars["SINGLE"] == "single quoted")
        #expect(vars["EXPORTED"] == "yes")
        #expect(vars["MULTI"] == "line1\nline2")
        #expect(vars["RAW"] == "no\\nescape")
        #expect(vars["EQUALS"] == "a=b=c")
        #expect(vars["EMPTY"] == "")
        #expect(vars.count == 9)
    }

    @Test func windowsLineEndingsSeparateLines() throws {
        let vars = try DevVars.parse("A=1\r\nB=\"two\"\r\n# c\r\nC=3\r\n")
        #expect(vars == ["A": "1", "B": "two", "C": "3"])
        let error = #expect(throws: ConfigError.self) { try DevVars.parse("A=1\r\nB=2\r\nbroken\r\n") }
        #expect(error?.line == 3)
    }

    @Test func laterDefinitionWins() throws {
        #expect(try DevVars.parse("A=1\nA=2\n") == ["A": "2"])
    }

    @Test func lineWithoutEqualsIsAnErrorWithItsLineNumber() {
        let error = #expect(throws: ConfigError.self) {
            try DevVars.parse("A=1\n# fine\n\nthis is wrong\n", file: "/x/.dev.vars")
        }
        #expect(error?.line == 4)
        #expect(error?.file == "/x/.dev.vars")
        #expect(error?.description.hasPrefix("/x/.dev.vars:4") == true)
    }

    @Test func emptyNameIsAnError() {
        let error = #expect(throws: ConfigError.self) { try DevVars.parse("=value\n") }
        #expect(error?.line == 1)
    }
}
