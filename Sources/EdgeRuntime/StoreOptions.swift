import ArgumentParser
import EdgeJSON
import EdgeKV
import EdgeWorker
import Foundation

/// The options of every command that opens the local store — `--config`, `--env`, `--persist-to`,
/// `--preview` — and the way from them to the store and the `Env` a worker gets. An application's
/// own command takes them with `@OptionGroup var store: StoreOptions`.
public struct StoreOptions: ParsableArguments {
    /// `--config`: the config file.
    @Option(name: .long, help: "Path to the config file.")
    public var config = "wrangler-like.toml"

    /// `--env`: the `[env.NAME]` section to use.
    @Option(name: .long, help: "Use the [env.NAME] section of the config.")
    public var env: String?

    /// `--persist-to`: the store's directory, over the config's.
    @Option(name: .customLong("persist-to"), help: "Directory of the LMDB store (default: [storage] persist_to, else kv-namespaces/).")
    public var persistTo: String?

    /// `--preview`: each namespace's `preview_id` instead of its `id`, as in wrangler.
    @Flag(name: .long, help: "Use each namespace's preview_id instead of its id.")
    public var preview = false

    /// The defaults: `wrangler-like.toml` in the working directory, no environment.
    public init() {}

    /// Opens the store the config names, runs `body` with the `Env` a worker would get (its KV
    /// bindings, vars and secrets), and closes the store. Errors become one-line operator messages.
    public func withEnv<Result>(_ body: (Env) async throws -> Result) async throws -> Result {
        let config = try loadConfig()
        let kv = try openStore(config)
        defer { kv.close() }
        return try await body(makeEnv(config, kv))
    }

    /// The config, resolved for `--env`, with `--persist-to` applied; its warnings go to stderr.
    public func loadConfig() throws -> WorkerConfig {
        var config: WorkerConfig
        do {
            config = try ConfigLoader.load(path: self.config, environment: env, preview: preview)
        } catch let error as ConfigError {
            throw OperatorError("✘ \(error)")
        }
        for warning in config.warnings { printError("▲ [WARNING] \(warning)") }
        if let persistTo { config.storage.persistTo = persistTo }
        return config
    }

    /// Opens the store with every namespace the config declares. Commands other than `serve` take
    /// the store as it is: one marked as a replica refuses their writes.
    public func openStore(_ config: WorkerConfig, role: KVStoreRole = .asStored) throws -> KVStore {
        var options = KVStoreOptions()
        options.role = role
        options.mapSizeBytes = config.storage.mapSizeMB << 20
        options.durable = config.storage.durable
        options.sweepIntervalSeconds = config.storage.sweepIntervalSeconds
        options.changeLogMaxEntries = config.storage.changeLogMaxEntries
        options.changeLogMaxAgeSeconds = config.storage.changeLogMaxAgeSeconds
        do {
            return try KVStore(directory: config.storage.persistTo, namespaces: Array(Set(config.namespaceIDs.values)).sorted(),
                               options: options)
        } catch let error as KVError {
            throw OperatorError("✘ [ERROR] \(error.message)")
        }
    }

    /// The `Env` a worker gets: the config's bindings, vars and secrets over this store.
    public func makeEnv(_ config: WorkerConfig, _ store: KVStore) -> Env {
        var bindings: [String: KVNamespace] = [:]
        for (binding, id) in config.namespaceIDs { bindings[binding] = store.namespace(id) }
        return Env(kv: bindings, vars: config.vars, secrets: config.secrets, clock: store.options.clock)
    }

    /// The namespace bound as `binding` (or with id `namespaceID`).
    func namespace(binding: String?, namespaceID: String?, config: WorkerConfig, store: KVStore) throws -> KVNamespace {
        let ids = config.namespaceIDs
        if let binding {
            guard let id = ids[binding], let ns = store.namespace(id) else {
                let known = ids.keys.sorted().joined(separator: ", ")
                throw OperatorError("✘ [ERROR] No KV namespace with binding \"\(binding)\" in \(config.path ?? "the config") (bindings: \(known)).")
            }
            return ns
        }
        if let namespaceID {
            guard let ns = store.namespace(namespaceID) else {
                throw OperatorError("✘ [ERROR] No KV namespace with id \"\(namespaceID)\" in the config.")
            }
            return ns
        }
        throw OperatorError("✘ [ERROR] Name the namespace with --binding NAME (or --namespace-id ID).")
    }
}

func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs `body`, turning KV errors into wrangler-style one-line failures.
func reportingKVErrors<R>(_ body: () async throws -> R) async throws -> R {
    do {
        return try await body()
    } catch let error as KVError {
        throw OperatorError("✘ [ERROR] \(error.message)")
    }
}

/// `--metadata` and bulk metadata are JSON.
func parseMetadata(_ text: String?) throws -> JSONValue? {
    guard let text else { return nil }
    do { return try JSONValue.parse(text) } catch {
        throw OperatorError("✘ [ERROR] --metadata is not valid JSON: \(error)")
    }
}
