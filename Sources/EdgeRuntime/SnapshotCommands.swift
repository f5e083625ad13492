import ArgumentParser
import EdgeJSON
import EdgeKV
import EdgeReplication
import EdgeWorker
import Foundation

/// `edgeworker snapshot create|restore`: consistent compacted copies of the whole store, of this
/// node's or of a remote origin's (`--from URL`, with the replication secret).
struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "snapshot", abstract: "Back up and restore the whole store.",
                                                    subcommands: [Create.self, Restore.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Write a consistent, compacted copy of the store to FILE (safe while a server runs).",
            discussion: "With --from URL, the copy is taken by that origin and downloaded (verified by size and SHA-256).")
        @Argument(help: "Where to write the snapshot.") var file: String
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            if let origin = remote.from {
                let snapshot = try await remote.download(from: origin, to: file, store: store)
                print("Snapshot of \(origin) written to \(file): sequence \(snapshot.sequence), \(snapshot.bytes) bytes, sha256 \(snapshot.sha256)")
                return
            }
            let config = try store.loadConfig()
            let kv = try store.openStore(config)
            defer { kv.close() }
            let progress = ProgressLine(label: "snapshot")
            let info = try await reportingKVErrors { try kv.writeSnapshot(to: file) { progress.update($0, total: nil) } }
            progress.finish()
            print("Snapshot written to \(file): sequence \(info.sequence), \(info.bytes) bytes, sha256 \(info.sha256)")
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "restore",
            abstract: "Replace the store with the snapshot in FILE, or with a fresh one of the origin at --from URL (stop the server first).")
        @Argument(help: "The snapshot file (with --from: where to keep the download; default a temporary file).")
        var file: String?
        @OptionGroup var remote: RemoteOptions
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let config = try store.loadConfig()
            var path = file
            var temporary: String?
            if let origin = remote.from {
                let target = file ?? NSTemporaryDirectory() + "edgeworker-restore-\(UUID().uuidString).mdb"
                if file == nil { temporary = target }
                _ = try await remote.download(from: origin, to: target, store: store)
                path = target
            }
            defer { if let temporary { try? FileManager.default.removeItem(atPath: temporary) } }
            guard let path else { throw ValidationError("Name the snapshot FILE, or --from URL to take one from an origin.") }
            let progress = ProgressLine(label: "restore")
            let sequence = try await reportingKVErrors {
                try KVStore.restoreSnapshot(from: path, into: config.storage.persistTo) { progress.update($0, total: $1) }
            }
            progress.finish()
            print("Restored \(remote.from ?? path) into \(config.storage.persistTo) at sequence \(sequence).")
        }
    }
}

/// `--from URL`: take the snapshot at a remote origin.
struct RemoteOptions: ParsableArguments {
    @Option(help: "An origin's base URL (http://10.0.0.1:8080): take the snapshot there.")
    var from: String?
    @OptionGroup var secret: SecretOption

    func download(from origin: String, to file: String, store: StoreOptions) async throws -> DownloadedSnapshot {
        let client = try secret.client(for: origin, store: store)
        defer { client.invalidate() }
        let progress = ProgressLine(label: "download")
        do {
            let snapshot = try await client.downloadSnapshot(to: file) { progress.update($0, total: $1) }
            progress.finish()
            return snapshot
        } catch {
            progress.finish()
            throw OperatorError("✘ [ERROR] \(error)")
        }
    }
}

/// The replication secret, for commands that talk to a node's `/__edge/` endpoints.
struct SecretOption: ParsableArguments {
    @Option(help: "The replication secret (default: REPLICATION_SECRET from the environment or .dev.vars).")
    var secret: String?

    /// The secret: `--secret`, else the environment, else the config's secrets (`.dev.vars`).
    func resolvedSecret(store: StoreOptions) throws -> String {
        if let secret, !secret.isEmpty { return secret }
        if let value = ProcessInfo.processInfo.environment["REPLICATION_SECRET"], !value.isEmpty { return value }
        if FileManager.default.fileExists(atPath: store.config),
           let value = try? ConfigLoader.load(path: store.config, environment: store.env).secrets["REPLICATION_SECRET"],
           !value.isEmpty {
            return value
        }
        throw OperatorError("✘ [ERROR] no replication secret: pass --secret or set REPLICATION_SECRET")
    }

    func client(for origin: String, store: StoreOptions) throws -> OriginClient {
        do {
            return try OriginClient(origin: origin, secret: try resolvedSecret(store: store))
        } catch let error as OriginError {
            throw OperatorError("✘ [ERROR] \(error)")
        }
    }
}

/// A progress line on stderr for long copies, redrawn at most ten times a second.
final class ProgressLine: @unchecked Sendable {
    let label: String
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String) { self.label = label }

    func update(_ bytes: Int, total: Int?) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || bytes == total else { return }
        lastDraw = now
        drawn = true
        let mb = String(format: "%.1f", Double(bytes) / 1_048_576)
        if let total, total > 0 {
            let percent = Int(Double(bytes) * 100 / Double(total))
            FileHandle.standardError.write(Data("\r\(label): \(mb) MiB (\(percent)%)".utf8))
        } else {
            FileHandle.standardError.write(Data("\r\(label): \(mb) MiB".utf8))
        }
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
