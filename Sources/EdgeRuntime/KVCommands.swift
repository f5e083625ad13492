import ArgumentParser
import EdgeJSON
import EdgeKV
import EdgeWorker
import Foundation

/// `edgeworker kv ...`: wrangler's `kv` commands on the local store.
struct KV: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kv",
        abstract: "Manage KV namespaces of the local store (like `wrangler kv`).",
        subcommands: [Key.self, Bulk.self, Namespace.self, Load.self]
    )

    struct Namespace: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "namespace", abstract: "Namespaces.", subcommands: [List.self])

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the namespaces the config declares, with their key counts.")
            @OptionGroup var store: StoreOptions

            func run() async throws {
                let config = try store.loadConfig()
                let kv = try store.openStore(config)
                defer { kv.close() }
                let stats = try kv.statistics()
                let items: [JSONValue] = config.kvNamespaces.map { b in
                    let id = config.namespaceIDs[b.binding] ?? b.id
                    return ["binding": .string(b.binding), "id": .string(id), "title": .string(b.binding),
                            "keys": .number(Double(stats.keysPerNamespace[id] ?? 0))]
                }
                print(JSONValue.array(items).jsonString)
            }
        }
    }

    struct Key: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "key", abstract: "Individual keys.",
                                                        subcommands: [Put.self, Get.self, Delete.self, List.self])

        struct Target: ParsableArguments {
            @Option(help: "The binding of the namespace (as in wrangler-like.toml).")
            var binding: String?
            @Option(name: .customLong("namespace-id"), help: "The id of the namespace, instead of --binding.")
            var namespaceID: String?
        }

        struct Put: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "put", abstract: "Write a single key.")
            @Argument(help: "The key to write.") var key: String
            @Argument(help: "The value (or use --path).") var value: String?
            @OptionGroup var target: Target
            @Option(help: "Read the value from this file.") var path: String?
            @Option(help: "Absolute expiry, seconds since the Unix epoch.") var expiration: String?
            @Option(name: .customLong("expiration-ttl"), help: "Expiry in seconds from now (at least 60).") var expirationTTL: String?
            @Option(help: "JSON metadata (at most 1024 bytes).") var metadata: String?
            @OptionGroup var store: StoreOptions

            func run() async throws {
                let bytes: [UInt8]
                if let path {
                    guard let data = FileManager.default.contents(atPath: path) else {
                        throw OperatorError("✘ [ERROR] Cannot read \(path).")
                    }
                    bytes = [UInt8](data)
                } else if let value {
                    bytes = Array(value.utf8)
                } else {
                    throw OperatorError("✘ [ERROR] Give a value or --path FILE.")
                }
                let config = try store.loadConfig()
                let kv = try store.openStore(config)
                defer { kv.close() }
                let ns = try store.namespace(binding: target.binding, namespaceID: target.namespaceID, config: config, store: kv)
                try await reportingKVErrors {
                    let options = KVPutOptions(expiration: try expiration.map(KVLimits.parseExpiration),
                                               expirationTTL: try expirationTTL.map(KVLimits.parseExpirationTTL),
                                               metadata: try parseMetadata(metadata))
                    print("Writing the value \(path.map { "of \($0)" } ?? "\"\(value ?? "")\"") to key \"\(key)\" on namespace \(ns.id).")
                    try await ns.put(key, bytes, options: options)
                }
            }
        }

        struct Get: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "get", abstract: "Read a single key; prints the value as is.")
            @Argument(help: "The key to read.") var key: String
            @OptionGroup var target: Target
            @Flag(help: "Print the value as text followed by a newline.") var text = false
            @OptionGroup var store: StoreOptions

            func run() async throws {
                let config = try store.loadConfig()
                let kv = try store.openStore(config)
                defer { kv.close() }
                let ns = try store.namespace(binding: target.binding, namespaceID: target.namespaceID, config: config, store: kv)
                let bytes = try await reportingKVErrors { try ns.getBytes(key) }
                guard let bytes else {
                    print("Value not found")
                    throw ExitCode(1)
                }
                FileHandle.standardOutput.write(Data(bytes))
                if text { print("") }
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a single key.")
            @Argument(help: "The key to delete.") var key: String
            @OptionGroup var target: Target
            @OptionGroup var store: StoreOptions

            func run() async throws {
                let config = try store.loadConfig()
                let kv = try store.openStore(config)
                defer { kv.close() }
                let ns = try store.namespace(binding: target.binding, namespaceID: target.namespaceID, config: config, store: kv)
                print("Deleting the key \"\(key)\" on namespace \(ns.id).")
                try await reportingKVErrors { try await ns.delete(key) }
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List keys as JSON, following cursors to the end.")
            @OptionGroup var target: Target
            @Option(help: "Only keys starting with this prefix.") var prefix: String?
            @OptionGroup var store: StoreOptions

            func run() async throws {
                let config = try store.loadConfig()
                let kv = try store.openStore(config)
                defer { kv.close() }
                let ns = try store.namespace(binding: target.binding, namespaceID: target.namespaceID, config: config, store: kv)
                var items: [JSONValue] = []
                var cursor: String?
                try await reportingKVErrors {
                    repeat {
                        let page = try ns.list(prefix: prefix, cursor: cursor)
                        for key in page.keys {
                            var item: [String: JSONValue] = ["name": .string(key.name)]
                            if let e = key.expiration { item["expiration"] = .number(Double(e)) }
                            if let m = key.metadata { item["metadata"] = m }
                            items.append(.object(item))
                        }
                        cursor = page.listComplete ? nil : page.cursor
                    } while cursor != nil
                }
                print(JSONValue.array(items).jsonString)
            }
        }
    }

    struct Bulk: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "bulk", abstract: "Many keys at once, from wrangler's bulk JSON files.",
                                                        subcommands: [Put.self, Delete.self])

        struct Put: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "put",
                abstract: "Write keys from a JSON file: [{key, value, expiration?, expiration_ttl?, metadata?, base64?}].")
            @Argument(help: "The JSON file.") var file: String
            @OptionGroup var target: Key.Target
            @OptionGroup var store: StoreOptions

            func run() async throws {
                let entries = try readJSONArray(file)
                var writes: [(String, [UInt8], KVPutOptions)] = []
                for (index, entry) in entries.enumerated() {
                    guard let key = entry["key"]?.stringValue else {
                        throw OperatorError("✘ [ERROR] Entry \(index) has no string \"key\".")
                    }
                    guard let value = entry["value"]?.stringValue else {
                        throw OperatorError("✘ [ERROR] Entry \(index) (\"\(key)\") has no string \"value\".")
                    }
                    var bytes = Array(value.utf8)
                    if entry["base64"]?.boolValue == true {
                        guard let data = Data(base64Encoded: value) else {
                            throw OperatorError("✘ [ERROR] Entry \(index) (\"\(key)\") is not valid base64.")
                        }
                        bytes = [UInt8](data)
                    }
                    let options = KVPutOptions(expiration: entry["expiration"]?.doubleValue.map { Int64($0) },
                                               expirationTTL: entry["expiration_ttl"]?.doubleValue.map { Int64($0) },
                                               metadata: entry["metadata"])
                    writes.append((key, bytes, options))
                }
                let config = try store.loadConfig()
                let kv = try store.openStore(config)
                defer { kv.close() }
                let ns = try store.namespace(binding: target.binding, namespaceID: target.namespaceID, config: config, store: kv)
                // Written concurrently so they share group commits; each is validated on its own.
                try await reportingKVErrors {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for (key, bytes, options) in writes {
                            group.addTask { try await ns.put(key, bytes, options: options) }
                        }
                        try await group.waitForAll()
                    }
                }
                print("Success! Wrote \(writes.count) key(s) to namespace \(ns.id).")
            }
        }

        struct Delete: AsyncParsableCommand {
            static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete keys listed in a JSON file: [\"key\", ...] or [{key}].")
            @Argument(help: "The JSON file.") var file: String
            @OptionGroup var target: Key.Target
            @OptionGroup var store: StoreOptions

            func run() async throws {
                let keys = try readJSONArray(file).enumerated().map { index, entry -> String in
                    if let key = entry.stringValue ?? entry["key"]?.stringValue { return key }
                    throw OperatorError("✘ [ERROR] Entry \(index) is neither a string nor an object with \"key\".")
                }
                let config = try store.loadConfig()
                let kv = try store.openStore(config)
                defer { kv.close() }
                let ns = try store.namespace(binding: target.binding, namespaceID: target.namespaceID, config: config, store: kv)
                try await reportingKVErrors {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        for key in keys { group.addTask { try await ns.delete(key) } }
                        try await group.waitForAll()
                    }
                }
                print("Success! Deleted \(keys.count) key(s) from namespace \(ns.id).")
            }
        }
    }

    /// Durable writes under load: the group-commit benchmark and the crash test's writer.
    struct Load: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "load",
            abstract: "Write COUNT keys with WRITERS concurrent writers and report durable puts per second.",
            discussion: "With --ack, prints each key once its commit is durable (used by the crash test).")
        @OptionGroup var target: Key.Target
        @Option(help: "Concurrent writers.") var writers = 64
        @Option(help: "Total puts.") var count = 10_000
        @Option(help: "Key prefix.") var prefix = "load-"
        @Option(name: .customLong("value-bytes"), help: "Size of each value.") var valueBytes = 100
        @Flag(help: "Print each acknowledged key as `ack KEY`.") var ack = false
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let config = try store.loadConfig()
            let kv = try store.openStore(config)
            defer { kv.close() }
            let ns = try store.namespace(binding: target.binding, namespaceID: target.namespaceID, config: config, store: kv)
            let writers = max(1, self.writers), count = self.count, prefix = self.prefix, ack = self.ack
            let valueBytes = self.valueBytes
            let started = Date()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var i = writer
                        while i < count {
                            let key = "\(prefix)\(i)"
                            var value = Array("\(key)=".utf8)
                            value.append(contentsOf: repeatElement(UInt8(ascii: "x"), count: max(0, valueBytes - value.count)))
                            try await ns.put(key, value)
                            if ack { AckPrinter.print("ack \(key)") }
                            i += writers
                        }
                    }
                }
                try await group.waitForAll()
            }
            let seconds = Date().timeIntervalSince(started)
            let rate = Double(count) / seconds
            print("durable puts: \(count) in \(String(format: "%.3f", seconds)) s = \(Int(rate)) puts/s with \(writers) writers")
        }
    }
}

/// Unbuffered line output, so a process killed mid-way has printed exactly what it acknowledged.
enum AckPrinter {
    static func print(_ line: String) {
        let bytes = Array((line + "\n").utf8)
        bytes.withUnsafeBytes { _ = write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}

func readJSONArray(_ path: String) throws -> [JSONValue] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw OperatorError("✘ [ERROR] Cannot read \(path).")
    }
    let value: JSONValue
    do { value = try JSONValue.parse([UInt8](data)) } catch {
        throw OperatorError("✘ [ERROR] \(path) is not valid JSON: \(error)")
    }
    guard let array = value.arrayValue else { throw OperatorError("✘ [ERROR] \(path) must hold a JSON array.") }
    return array
}
