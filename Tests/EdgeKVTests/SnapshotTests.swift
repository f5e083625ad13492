import EdgeJSON
import EdgeKV
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Everything a namespace holds: each live key's listing, value bytes and metadata.
private struct NamespaceContents: Equatable {
    var keys: [KVListKey]
    var values: [String: [UInt8]]
}

private func contents(of ns: KVNamespace) throws -> NamespaceContents {
    let keys = try listAll(ns)
    var values: [String: [UInt8]] = [:]
    for key in keys { values[key.name] = try ns.getBytes(key.name) }
    return NamespaceContents(keys: keys, values: values)
}

private func sha256Hex(ofFile path: String) throws -> String? {
    guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    process.arguments = [path]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self).split(separator: " ").first.map(String.init)
}

@Suite("Snapshots")
struct SnapshotTests {
    /// Fills a store with a mix of values, metadata, expirations, deletes and a large value.
    private func populate(_ store: KVStore) async throws {
        let flags = try #require(store.namespace("FLAGS"))
        let tokens = try #require(store.namespace("TOKENS"))
        for i in 0..<300 {
            try await flags.put("flag-\(i)", #"{"on":\#(i % 2 == 0)}"#, options: KVPutOptions(metadata: i % 3 == 0 ? ["i": .number(Double(i))] : nil))
        }
        try await flags.put("binary", patternBytes(count: 300_000, seed: 7))
        try await flags.put("expiring", "v", options: KVPutOptions(expirationTTL: 3600))
        for i in 0..<50 { try await flags.delete("flag-\(i * 5)") }
        try await tokens.put("tok-é", "secret", options: KVPutOptions(metadata: ["scope": ["read", "write"]]))
    }

    @Test func snapshotRestoredIntoAFreshDirectoryHasIdenticalContentsAndSequences() async throws {
        let clock = TestClock(1_700_000_000)
        try await withStore(clock: clock) { store, directory async throws in
            try await populate(store)
            let flags = try #require(store.namespace("FLAGS"))
            let tokens = try #require(store.namespace("TOKENS"))
            let snapshotPath = directory.sub("snapshot.mdb")
            let info = try store.writeSnapshot(to: snapshotPath)
            #expect(info.sequence == store.sequence)
            #expect(info.sequence == 353)
            let size = try FileManager.default.attributesOfItem(atPath: snapshotPath)[.size] as? Int
            #expect(info.bytes == size)
            #expect(info.sha256.count == 64)
            if let fileHash = try sha256Hex(ofFile: snapshotPath) { #expect(info.sha256 == fileHash) }
            #expect(!FileManager.default.fileExists(atPath: snapshotPath + ".partial"))
            #expect(try KVStore.inspectSnapshot(at: snapshotPath) == info.sequence)

            // A write after the snapshot is not in it.
            try await flags.put("after-snapshot", "x")

            let target = directory.sub("restored")
            #expect(try KVStore.restoreSnapshot(from: snapshotPath, into: target) == info.sequence)
            let restored = try KVStore(directory: target, namespaces: testNamespaces, options: testOptions(clock: clock))
            defer { restored.close() }
            let rFlags = try #require(restored.namespace("FLAGS"))
            let rTokens = try #require(restored.namespace("TOKENS"))
            #expect(restored.sequence == info.sequence)
            #expect(rTokens.sequence == tokens.sequence)
            #expect(rFlags.sequence == info.sequence - 1)
            #expect(try rFlags.get("after-snapshot") == nil)
            try await flags.delete("after-snapshot")
            #expect(try contents(of: rFlags) == contents(of: flags))
            #expect(try contents(of: rTokens) == contents(of: tokens))
            #expect(try rFlags.list(prefix: "expiring").keys.first?.expiration == 1_700_003_600)
            #expect(try listAll(rFlags).count == 250 + 2)

            // The restored store is live: numbering goes on, expiry still works.
            #expect(try await rFlags.put("new", "v") == info.sequence + 1)
            clock.advance(by: 3600)
            try await restored.sweepExpired()
            #expect(restored.sequence == info.sequence + 2)
            #expect(try rFlags.get("expiring") == nil)
        }
    }

    @Test func restoreReplacesAClosedStoreWithTheSnapshot() async throws {
        let clock = TestClock()
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let snapshotPath = directory.sub("snap.mdb")
        do {
            let source = try KVStore(directory: directory.sub("source"), namespaces: testNamespaces, options: testOptions(clock: clock))
            defer { source.close() }
            try await #require(source.namespace("FLAGS")).put("from-snapshot", "1")
            _ = try source.writeSnapshot(to: snapshotPath)
        }
        let target = directory.sub("target")
        do {
            let old = try KVStore(directory: target, namespaces: testNamespaces, options: testOptions(clock: clock))
            let flags = try #require(old.namespace("FLAGS"))
            for i in 0..<5 { try await flags.put("old-\(i)", "x") }
            old.close()
        }
        #expect(try KVStore.restoreSnapshot(from: snapshotPath, into: target) == 1)
        let store = try KVStore(directory: target, namespaces: testNamespaces, options: testOptions(clock: clock))
        defer { store.close() }
        let flags = try #require(store.namespace("FLAGS"))
        #expect(try listAll(flags).map(\.name) == ["from-snapshot"])
        #expect(store.sequence == 1)
    }

    @Test func restoringIntoADirectoryWhoseStoreIsOpenIsRefusedWith423() async throws {
        try await withStore { store, directory async throws in
            let flags = try #require(store.namespace("FLAGS"))
            try await flags.put("k", "original")
            let snapshotPath = directory.sub("snap.mdb")
            _ = try store.writeSnapshot(to: snapshotPath)
            try await flags.put("k", "changed")

            let error = #expect(throws: KVError.self) {
                try KVStore.restoreSnapshot(from: snapshotPath, into: store.directory)
            }
            #expect(error?.status == 423)
            #expect(error?.operation == "restore")
            #expect(error?.message == "The store in \(store.directory) is open in another process; stop it before restoring.")
            // The open store is untouched and still writable.
            #expect(try flags.getText("k") == "changed")
            try await flags.put("k2", "v")
            #expect(try flags.getText("k2") == "v")
            #expect(!FileManager.default.fileExists(atPath: store.directory + "/data.mdb.restoring"))
        }
    }

    @Test func aFileThatIsNotLMDBIsRejectedWith400() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let bogus = directory.sub("bogus.mdb")
        try Data(repeating: 0x42, count: 64 * 1024).write(to: URL(fileURLWithPath: bogus))

        let inspectError = #expect(throws: KVError.self) { try KVStore.inspectSnapshot(at: bogus) }
        #expect(inspectError?.status == 400)
        #expect(inspectError?.message.hasPrefix("\(bogus) is not a store snapshot (") == true)

        let target = directory.sub("target")
        let restoreError = #expect(throws: KVError.self) { try KVStore.restoreSnapshot(from: bogus, into: target) }
        #expect(restoreError?.status == 400)
        #expect(!FileManager.default.fileExists(atPath: target + "/data.mdb"))

        let missing = directory.sub("missing.mdb")
        let missingError = #expect(throws: KVError.self) { try KVStore.inspectSnapshot(at: missing) }
        #expect(missingError?.status == 400)
    }

    @Test func restoringABogusFileLeavesAnExistingStoreIntact() async throws {
        let clock = TestClock()
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let target = directory.sub("target")
        do {
            let store = try KVStore(directory: target, namespaces: testNamespaces, options: testOptions(clock: clock))
            try await #require(store.namespace("FLAGS")).put("keep", "me")
            store.close()
        }
        let bogus = directory.sub("bogus")
        try Data("definitely not lmdb".utf8).write(to: URL(fileURLWithPath: bogus))
        #expect(throws: KVError.self) { try KVStore.restoreSnapshot(from: bogus, into: target) }
        let store = try KVStore(directory: target, namespaces: testNamespaces, options: testOptions(clock: clock))
        defer { store.close() }
        #expect(try #require(store.namespace("FLAGS")).getText("keep") == "me")
    }

    @Test func openingAStoreWhileARestoreHoldsItsLockIsRefusedWith423() throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.sub("store")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // Take the exclusive lock a restore takes.
        let fd = open(path + "/edgeworker.lock", O_RDWR | O_CREAT, 0o644)
        try #require(fd >= 0)
        try #require(flock(fd, LOCK_EX | LOCK_NB) == 0)
        #expect(throws: kvError("open", 423, "The store in \(path) is being restored by another process.")) {
            _ = try KVStore(directory: path, namespaces: testNamespaces, options: testOptions(clock: TestClock()))
        }
        flock(fd, LOCK_UN)
        close(fd)
        let store = try KVStore(directory: path, namespaces: testNamespaces, options: testOptions(clock: TestClock()))
        store.close()
    }
}
