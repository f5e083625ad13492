import ArgumentParser
import EdgeKV
import Foundation

/// `edgeworker snapshot create|restore`: consistent compacted copies of the whole store.
struct Snapshot: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Back up and restore the whole store.",
                                                    subcommands: [Create.self, Restore.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a consistent, compacted copy of the store to FILE (safe while a server runs).")
        @Argument(help: "Where to write the snapshot.") var file: String
        @OptionGroup var store: StoreOptions

        func run() async throws {
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
            abstract: "Replace the store with the snapshot in FILE (stop the server first).")
        @Argument(help: "The snapshot file.") var file: String
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let config = try store.loadConfig()
            let progress = ProgressLine(label: "restore")
            let sequence = try await reportingKVErrors {
                try KVStore.restoreSnapshot(from: file, into: config.storage.persistTo) { progress.update($0, total: $1) }
            }
            progress.finish()
            print("Restored \(file) into \(config.storage.persistTo) at sequence \(sequence).")
        }
    }
}

/// A progress line on stderr for long copies, redrawn at most ten times a second.
final class ProgressLine: @unchecked Sendable {
    let label: String
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(label: String) { self.label = label }

    func update(_ bytes: Int, total: Int?) {
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
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
