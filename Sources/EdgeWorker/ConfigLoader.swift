import EdgeJSON
import Foundation
import TOMLKit

/// Reads `wrangler-like.toml` the way wrangler reads `wrangler.toml`.
///
/// - `kv_namespaces` may be an inline array or `[[kv_namespaces]]` tables (TOML makes them one).
/// - `[env.NAME]` sections do not inherit `vars` or `kv_namespaces` from the top level; `[server]`
///   and `[storage]` inside them override the top-level values key by key.
/// - Secrets come from `.dev.vars` beside the file and from the process environment, and override
///   `[vars]` of the same name.
/// - Unknown keys produce warnings; a broken file an error with its line.
public enum ConfigLoader {
    static let topLevelKeys: Set<String> = ["name", "main", "compatibility_date", "compatibility_flags", "vars",
                                            "kv_namespaces", "env", "triggers", "server", "storage", "secrets",
                                            "replication", "assets", "routes"]
    static let environmentKeys: Set<String> = ["name", "vars", "kv_namespaces", "triggers", "server", "storage",
                                               "secrets", "replication", "assets", "routes"]

    /// Loads `path`; `environment` selects `[env.NAME]`; `processEnvironment` supplies secrets.
    public static func load(path: String, environment: String? = nil, preview: Bool = false,
                            processEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws -> WorkerConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, message: "cannot read the config file (does it exist?)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, message: "the file is not valid UTF-8")
        }
        let devVarsPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(".dev.vars").path
        var devVars: [String: String] = [:]
        if let devData = FileManager.default.contents(atPath: devVarsPath) {
            devVars = try DevVars.parse(String(decoding: devData, as: UTF8.self), file: devVarsPath)
        }
        return try parse(text, file: path, environment: environment, preview: preview, devVars: devVars,
                         processEnvironment: processEnvironment)
    }

    /// Parses the text of a config: `file` names it in errors, `devVars` and `processEnvironment` supply secrets.
    public static func parse(_ text: String, file: String = "wrangler-like.toml", environment: String? = nil,
                             preview: Bool = false, devVars: [String: String] = [:],
                             processEnvironment: [String: String] = [:]) throws -> WorkerConfig {
        let root: TOMLTable
        do {
            root = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigError(file: file, line: error.source.begin.line, column: error.source.begin.column,
                              message: error.description)
        }
        let reader = Reader(file: file, text: text)
        var config = WorkerConfig()
        config.path = file
        config.preview = preview
        config.environment = environment

        for key in root.keys where !topLevelKeys.contains(key) {
            config.warnings.append("\(reader.place(of: key)): unknown key \"\(key)\" is ignored")
        }
        config.name = try reader.string(root, "name") ?? config.name
        config.main = try reader.string(root, "main") ?? config.main
        config.compatibilityDate = try reader.string(root, "compatibility_date")

        var scope = root
        if let environment {
            guard let envs = root["env"]?.table, let section = envs[environment]?.table else {
                throw ConfigError(file: file, message: "no [env.\(environment)] section in the config")
            }
            for key in section.keys where !environmentKeys.contains(key) {
                config.warnings.append("\(reader.place(of: key)): unknown key \"env.\(environment).\(key)\" is ignored")
            }
            config.name = try reader.string(section, "name") ?? config.name
            scope = section
        }
        // Not inherited into an environment: what the scope does not set stays empty.
        config.vars = try reader.vars(scope)
        config.kvNamespaces = try reader.kvNamespaces(scope)
        // `kv_namespaces = [...]` written below `[vars]` lands inside vars in TOML (the layout of
        // many wrangler examples); take it as the bindings it was meant to be, and say so.
        if config.kvNamespaces.isEmpty, case .array? = config.vars["kv_namespaces"],
           let varsTable = scope["vars"]?.table {
            config.kvNamespaces = try reader.kvNamespaces(varsTable)
            config.vars["kv_namespaces"] = nil
            config.warnings.append("\(reader.place(of: "kv_namespaces")): kv_namespaces is inside [vars] (TOML puts keys below a [table] header into that table); using it as the top-level kv_namespaces — move it above [vars]")
        }
        config.crons = try reader.crons(scope["triggers"] != nil ? scope : root)
        config.secretNames = try reader.stringArray(scope["secrets"] != nil ? scope : root, "secrets") ?? []
        // Like `main`, both are inherited by an environment unless it sets its own.
        let configFolder = URL(fileURLWithPath: file).deletingLastPathComponent()
        config.assets = try reader.assets(scope["assets"] != nil ? scope : root, relativeTo: configFolder,
                                          warnings: &config.warnings)
        config.routes = try reader.routes(scope["routes"] != nil ? scope : root, main: config.main)

        try reader.applyServer(root, to: &config.server, warnings: &config.warnings)
        try reader.applyStorage(root, to: &config.storage, warnings: &config.warnings)
        try reader.applyReplication(root, to: &config.replication, warnings: &config.warnings)
        if scope !== root {
            try reader.applyServer(scope, to: &config.server, warnings: &config.warnings)
            try reader.applyStorage(scope, to: &config.storage, warnings: &config.warnings)
            try reader.applyReplication(scope, to: &config.replication, warnings: &config.warnings)
        }

        // Secrets: .dev.vars, then the process environment for declared names and for vars.
        var secrets = devVars
        for name in Set(config.secretNames).union(config.vars.keys).union(devVars.keys) {
            if let value = processEnvironment[name] { secrets[name] = value }
        }
        config.secrets = secrets
        return config
    }

    /// Typed access to TOML values with errors that point at the line of the key.
    struct Reader {
        var file: String
        var lines: [Substring]

        init(file: String, text: String) {
            self.file = file
            self.lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        }

        /// The first line assigning `key` (or opening a table named `key`), 1-based.
        func line(of key: String) -> Int? {
            for (index, line) in lines.enumerated() {
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                if trimmed.hasPrefix(key) {
                    let rest = trimmed.dropFirst(key.count).drop { $0 == " " || $0 == "\t" }
                    if rest.hasPrefix("=") { return index + 1 }
                }
                if trimmed.hasPrefix("[") && (trimmed.contains("[\(key)]") || trimmed.contains(".\(key)]")
                    || trimmed.contains("[[\(key)]]")) {
                    return index + 1
                }
            }
            return nil
        }

        func place(of key: String) -> String {
            line(of: key).map { "\(file):\($0)" } ?? file
        }

        func error(_ key: String, _ message: String) -> ConfigError {
            ConfigError(file: file, line: line(of: key), message: message)
        }

        func string(_ table: TOMLTable, _ key: String) throws -> String? {
            guard let value = table[key] else { return nil }
            guard let s = value.string else { throw error(key, "\"\(key)\" must be a string") }
            return s
        }

        func int(_ table: TOMLTable, _ key: String) throws -> Int? {
            guard let value = table[key] else { return nil }
            guard let i = value.int else { throw error(key, "\"\(key)\" must be an integer") }
            return i
        }

        func number(_ table: TOMLTable, _ key: String) throws -> Double? {
            guard let value = table[key] else { return nil }
            if let i = value.int { return Double(i) }
            guard let d = value.double else { throw error(key, "\"\(key)\" must be a number") }
            return d
        }

        func bool(_ table: TOMLTable, _ key: String) throws -> Bool? {
            guard let value = table[key] else { return nil }
            guard let b = value.bool else { throw error(key, "\"\(key)\" must be true or false") }
            return b
        }

        func stringArray(_ table: TOMLTable, _ key: String) throws -> [String]? {
            guard let value = table[key] else { return nil }
            guard let array = value.array else { throw error(key, "\"\(key)\" must be an array of strings") }
            return try array.map { item in
                guard let s = item.string else { throw error(key, "\"\(key)\" must be an array of strings") }
                return s
            }
        }

        func vars(_ table: TOMLTable) throws -> [String: JSONValue] {
            guard let value = table["vars"] else { return [:] }
            guard let vars = value.table else { throw error("vars", "\"vars\" must be a table") }
            var out: [String: JSONValue] = [:]
            for key in vars.keys {
                if let item = vars[key] { out[key] = json(item) }
            }
            return out
        }

        /// TOML values as the JSON values a worker sees (`[vars]` may hold JSON objects).
        func json(_ value: any TOMLValueConvertible) -> JSONValue {
            if let s = value.string { return .string(s) }
            if let b = value.bool { return .bool(b) }
            if let i = value.int { return .number(Double(i)) }
            if let d = value.double { return .number(d) }
            if let a = value.array { return .array(a.map { json($0) }) }
            if let t = value.table {
                var members: [String: JSONValue] = [:]
                for key in t.keys { if let item = t[key] { members[key] = json(item) } }
                return .object(members)
            }
            return .string(value.tomlValue.debugDescription)
        }

        func kvNamespaces(_ table: TOMLTable) throws -> [KVNamespaceBinding] {
            guard let value = table["kv_namespaces"] else { return [] }
            guard let array = value.array else {
                throw error("kv_namespaces", "\"kv_namespaces\" must be an array of { binding, id } tables")
            }
            var bindings: [KVNamespaceBinding] = []
            for item in array {
                guard let entry = item.table else {
                    throw error("kv_namespaces", "each kv_namespaces entry must be a table with binding and id")
                }
                guard let binding = entry["binding"]?.string, !binding.isEmpty else {
                    throw error("kv_namespaces", "a kv_namespaces entry has no \"binding\"")
                }
                guard let id = entry["id"]?.string, !id.isEmpty else {
                    throw error("kv_namespaces", "kv namespace \"\(binding)\" has no \"id\"")
                }
                if bindings.contains(where: { $0.binding == binding }) {
                    throw error("kv_namespaces", "kv namespace binding \"\(binding)\" is declared twice")
                }
                bindings.append(KVNamespaceBinding(binding: binding, id: id, previewID: entry["preview_id"]?.string))
            }
            return bindings
        }

        func crons(_ table: TOMLTable) throws -> [String] {
            guard let triggers = table["triggers"] else { return [] }
            guard let t = triggers.table else { throw error("triggers", "\"triggers\" must be a table") }
            let crons = try stringArray(t, "crons") ?? []
            for cron in crons {
                do { _ = try CronSchedule(cron) } catch { throw self.error("crons", "invalid cron \"\(cron)\": \(error)") }
            }
            return crons
        }

        func assets(_ table: TOMLTable, relativeTo folder: URL, warnings: inout [String]) throws -> AssetsSettings? {
            guard let value = table["assets"] else { return nil }
            guard let t = value.table else { throw error("assets", "[assets] must be a table") }
            for key in t.keys where key != "directory" {
                warnings.append("\(place(of: key)): unknown key \"assets.\(key)\" is ignored")
            }
            guard let directory = try string(t, "directory"), !directory.isEmpty else {
                throw error("assets", "[assets] needs directory = \"…\", the folder of files to serve")
            }
            let resolved = directory.hasPrefix("/") ? directory : folder.appendingPathComponent(directory).path
            return AssetsSettings(directory: resolved)
        }

        /// `routes = [{ pattern = "/api/*", worker = "ApiWorker" }]`; a bare string, or an entry
        /// without `worker`, routes to `main`.
        func routes(_ table: TOMLTable, main: String) throws -> [WorkerRoute] {
            guard let value = table["routes"] else { return [] }
            guard let array = value.array else {
                throw error("routes", "\"routes\" must be an array of { pattern, worker } tables")
            }
            return try array.map { item in
                if let pattern = item.string { return try route(pattern, worker: main) }
                guard let entry = item.table, let pattern = entry["pattern"]?.string else {
                    throw error("routes", "each routes entry must be a table with a \"pattern\" string")
                }
                let worker = entry["worker"]?.string ?? main
                guard !worker.isEmpty else { throw error("routes", "route \"\(pattern)\" names no worker and main is not set") }
                return try route(pattern, worker: worker)
            }
        }

        private func route(_ pattern: String, worker: String) throws -> WorkerRoute {
            let starsInPlace = pattern.indices.allSatisfy { at in
                pattern[at] != "*" || at == pattern.startIndex || pattern.index(after: at) == pattern.endIndex
            }
            guard pattern.contains("/"), starsInPlace else {
                throw error("routes", "route pattern \"\(pattern)\" must be a path such as \"/api/*\" or \"example.com/api/*\" (\"*\" only at the start of the host and the end)")
            }
            return WorkerRoute(pattern: pattern, worker: worker)
        }

        func applyServer(_ table: TOMLTable, to server: inout ServerSettings, warnings: inout [String]) throws {
            guard let value = table["server"] else { return }
            guard let t = value.table else { throw error("server", "[server] must be a table") }
            let known: Set<String> = ["ip", "port", "max_body_bytes", "max_header_bytes", "max_connections",
                                      "idle_timeout_seconds", "request_timeout_seconds", "trusted_proxies",
                                      "access_log", "shutdown_grace_seconds", "event_loop_threads",
                                      "max_connections_per_client", "header_timeout_seconds", "max_unsent_bytes",
                                      "metrics"]
            for key in t.keys where !known.contains(key) {
                warnings.append("\(place(of: key)): unknown key \"server.\(key)\" is ignored")
            }
            if let v = try string(t, "ip") { server.ip = v }
            if let v = try int(t, "port") {
                guard (0...65535).contains(v) else { throw error("port", "port must be between 0 and 65535") }
                server.port = v
            }
            // Limits and timeouts of zero or less would refuse everything or spin a timer.
            func positive(_ key: String) throws -> Int? {
                guard let v = try int(t, key) else { return nil }
                guard v > 0 else { throw error(key, "\(key) must be at least 1") }
                return v
            }
            func positiveSeconds(_ key: String) throws -> Double? {
                guard let v = try number(t, key) else { return nil }
                guard v > 0, v.isFinite else { throw error(key, "\(key) must be a positive number of seconds") }
                return v
            }
            if let v = try positive("max_body_bytes") { server.maxBodyBytes = v }
            if let v = try positive("max_header_bytes") { server.maxHeaderBytes = v }
            if let v = try positive("max_connections") { server.maxConnections = v }
            if let v = try positive("max_connections_per_client") { server.maxConnectionsPerClient = v }
            if let v = try positiveSeconds("header_timeout_seconds") { server.headerTimeoutSeconds = v }
            if let v = try positive("max_unsent_bytes") { server.maxUnsentBytes = v }
            if let v = try positiveSeconds("idle_timeout_seconds") { server.idleTimeoutSeconds = v }
            if let v = try positiveSeconds("request_timeout_seconds") { server.requestTimeoutSeconds = v }
            if let v = try stringArray(t, "trusted_proxies") { server.trustedProxies = v }
            if let v = try string(t, "access_log") {
                guard ["off", "info", "debug"].contains(v) else {
                    throw error("access_log", "access_log must be \"off\", \"info\" or \"debug\"")
                }
                server.accessLog = v
            }
            if let v = try number(t, "shutdown_grace_seconds") { server.shutdownGraceSeconds = v }
            if let v = try int(t, "event_loop_threads") { server.eventLoopThreads = v }
            if let v = try string(t, "metrics") {
                guard let colon = v.lastIndex(of: ":"), !v[..<colon].isEmpty,
                      let port = Int(v[v.index(after: colon)...]), (0...65535).contains(port) else {
                    throw error("metrics", "metrics must be \"host:port\" (\"127.0.0.1:9464\"), or absent for none")
                }
                server.metrics = v
            }
        }

        func applyStorage(_ table: TOMLTable, to storage: inout StorageSettings, warnings: inout [String]) throws {
            guard let value = table["storage"] else { return }
            guard let t = value.table else { throw error("storage", "[storage] must be a table") }
            let known: Set<String> = ["persist_to", "map_size_mb", "durable", "sweep_interval_seconds",
                                      "change_log_max_entries", "change_log_max_age_seconds"]
            for key in t.keys where !known.contains(key) {
                warnings.append("\(place(of: key)): unknown key \"storage.\(key)\" is ignored")
            }
            if let v = try string(t, "persist_to") { storage.persistTo = v }
            if let v = try int(t, "map_size_mb") {
                guard v >= 1 else { throw error("map_size_mb", "map_size_mb must be at least 1") }
                storage.mapSizeMB = v
            }
            if let v = try bool(t, "durable") { storage.durable = v }
            if let v = try number(t, "sweep_interval_seconds") { storage.sweepIntervalSeconds = v }
            if let v = try int(t, "change_log_max_entries") { storage.changeLogMaxEntries = v }
            if let v = try number(t, "change_log_max_age_seconds") { storage.changeLogMaxAgeSeconds = v }
        }

        func applyReplication(_ table: TOMLTable, to replication: inout ReplicationSettings, warnings: inout [String]) throws {
            guard let value = table["replication"] else { return }
            guard let t = value.table else { throw error("replication", "[replication] must be a table") }
            let known: Set<String> = ["replica_of", "poll_wait_seconds", "page_size"]
            for key in t.keys where !known.contains(key) {
                warnings.append("\(place(of: key)): unknown key \"replication.\(key)\" is ignored")
            }
            if let v = try string(t, "replica_of") {
                guard let url = URL(string: v), url.scheme == "http" || url.scheme == "https", url.host != nil else {
                    throw error("replica_of", "replica_of must be the origin's http(s) URL, such as \"http://10.0.0.1:8080\"")
                }
                replication.replicaOf = v
            }
            if let v = try number(t, "poll_wait_seconds") {
                guard (1...30).contains(v) else { throw error("poll_wait_seconds", "poll_wait_seconds must be between 1 and 30") }
                replication.pollWaitSeconds = v
            }
            if let v = try int(t, "page_size") {
                guard (1...10_000).contains(v) else { throw error("page_size", "page_size must be between 1 and 10000") }
                replication.pageSize = v
            }
        }
    }
}

/// `.dev.vars`: wrangler's dotenv-style secrets file (`NAME=value`, `#` comments, optional quotes).
public enum DevVars {
    /// The `NAME=value` pairs of a `.dev.vars` text; a line that is not one is an error with its number.
    public static func parse(_ text: String, file: String = ".dev.vars") throws -> [String: String] {
        var out: [String: String] = [:]
        for (index, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = rawLine.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            let body = line.hasPrefix("export ") ? String(line.dropFirst(7)) : line
            guard let eq = body.firstIndex(of: "=") else {
                throw ConfigError(file: file, line: index + 1, message: "expected NAME=value")
            }
            let name = body[..<eq].trimmingCharacters(in: " \t")
            guard !name.isEmpty else { throw ConfigError(file: file, line: index + 1, message: "empty name") }
            var value = body[body.index(after: eq)...].trimmingCharacters(in: " \t")
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
                if first == "\"" { value = value.replacingOccurrences(of: "\\n", with: "\n") }
            }
            out[name] = value
        }
        return out
    }
}
