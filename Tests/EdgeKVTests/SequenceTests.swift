import EdgeJSON
import EdgeKV
import EdgePlatform
import Foundation
import Glibc
import Testing

@Suite("Sequences and persistence")
struct SequenceTests {
    @Test func everyPutAndDeleteGetsAStrictlyIncreasingSequence() async throws {
        try await withFlags { ns, store async throws in
            #expect(store.sequence == 0)
            #expect(ns.sequence == 0)
            var last: UInt64 = 0
            for i in 0..<5 {
                let sequence = try await ns.put("k\(i)", "v")
                #expect(sequence == last + 1)
                #expect(store.sequence == sequence)
                #expect(ns.sequence == sequence)
                last = sequence
            }
            let overwrite = try await ns.put("k0", "again")
            #expect(overwrite == last + 1)
            try await ns.delete("k1")
            #expect(store.sequence == overwrite + 1)
            #expect(ns.sequence == overwrite + 1)
            let after = try await ns.put("k9", "v")
            #expect(after == overwrite + 2)
        }
    }

    @Test func namespaceSequenceMovesOnlyForTheNamespaceTouched() async throws {
        try await withStore { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            let tokens = try #require(store.namespace("TOKENS"))
            let s1 = try await flags.put("a", "1")
            #expect(flags.sequence == s1)
            #expect(tokens.sequence == 0)
            let s2 = try await tokens.put("a", "1")
            #expect(tokens.sequence == s2)
            #expect(flags.sequence == s1)
            try await flags.delete("a")
            #expect(flags.sequence == s2 + 1)
            #expect(tokens.sequence == s2)
            #expect(store.sequence == s2 + 1)
            // Two handles on the same namespace share the version.
            #expect(try #require(store.namespace("FLAGS")).sequence == s2 + 1)
        }
    }

    @Test func deletingAMissingKeyDoesNotAdvanceAnySequence() async throws {
        try await withStore { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            try await flags.put("present", "v")
            let before = store.sequence
            let nsBefore = flags.sequence
            let logBefore = try store.statistics().changeLogEntries
            try await flags.delete("absent")
            try await flags.delete("absent")
            #expect(store.sequence == before)
            #expect(flags.sequence == nsBefore)
            #expect(try store.statistics().changeLogEntries == logBefore)
            // Deleting twice: only the first counts.
            try await flags.delete("present")
            try await flags.delete("present")
            #expect(store.sequence == before + 1)
        }
    }

    @Test func valuesAndSequencesPersistAcrossCloseAndReopen() async throws {
        let clock = TestClock(1_700_000_000)
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.sub("store")
        let options = testOptions(clock: clock, durable: true)

        var flagsSequence: UInt64 = 0
        var tokensSequence: UInt64 = 0
        var storeSequence: UInt64 = 0
        do {
            let store = try KVStore(directory: path, namespaces: testNamespaces, options: options)
            let flags = try #require(store.namespace("FLAGS"))
            let tokens = try #require(store.namespace("TOKENS"))
            try await flags.put("plain", "v1")
            try await flags.put("meta", [0, 1, 2, 255], options: KVPutOptions(expirationTTL: 3600, metadata: ["a": [1, 2]]))
            try await flags.put("gone", "x")
            try await flags.delete("gone")
            try await tokens.put("tok", "secret")
            try await flags.put("plain", "v2")
            flagsSequence = flags.sequence
            tokensSequence = tokens.sequence
            storeSequence = store.sequence
            #expect(storeSequence == 6)
            store.close()
            store.close()  // idempotent
        }

        let reopened = try KVStore(directory: path, namespaces: testNamespaces, options: options)
        defer { reopened.close() }
        let flags = try #require(reopened.namespace("FLAGS"))
        let tokens = try #require(reopened.namespace("TOKENS"))
        #expect(reopened.sequence == storeSequence)
        #expect(flags.sequence == flagsSequence)
        #expect(tokens.sequence == tokensSequence)
        #expect(try flags.getText("plain") == "v2")
        #expect(try flags.get("gone") == nil)
        let meta = try #require(try flags.getWithMetadata("meta", type: .arrayBuffer))
        #expect(meta.value.bytes == [0, 1, 2, 255])
        #expect(meta.metadata == ["a": [1, 2]])
        #expect(try listed(flags.list().keys) == [
            Listed(name: "meta", expiration: 1_700_003_600, metadata: ["a": [1, 2]]),
            Listed(name: "plain", expiration: nil, metadata: nil),
        ])
        #expect(try tokens.getText("tok") == "secret")
        // Numbering continues where it stopped.
        #expect(try await tokens.put("next", "v") == storeSequence + 1)
        // Expiry survives too.
        clock.advance(by: 3600)
        #expect(try flags.get("meta") == nil)
        try await reopened.sweepExpired()
        #expect(reopened.sequence == storeSequence + 2)
    }

    @Test func reopeningWithAnAddedNamespaceStartsItAtZero() async throws {
        let clock = TestClock()
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.sub("store")
        do {
            let store = try KVStore(directory: path, namespaces: ["FLAGS"], options: testOptions(clock: clock))
            try await #require(store.namespace("FLAGS")).put("a", "1")
            store.close()
        }
        let store = try KVStore(directory: path, namespaces: ["FLAGS", "NEW"], options: testOptions(clock: clock))
        defer { store.close() }
        let added = try #require(store.namespace("NEW"))
        #expect(added.sequence == 0)
        #expect(try added.list().keys.isEmpty)
        #expect(try #require(store.namespace("FLAGS")).sequence == 1)
        #expect(try await added.put("b", "2") == 2)
    }

    @Test(arguments: ["", "__meta", "__anything"])
    func invalidNamespaceIdsAreRefused(id: String) throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        #expect(throws: kvError("open", 400, "Invalid namespace id \"\(id)\".")) {
            _ = try KVStore(directory: directory.sub("store"), namespaces: ["FLAGS", id], options: testOptions(clock: TestClock()))
        }
    }

    @Test func readsAndWritesAfterCloseFailWith503NotACrash() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = try KVStore(directory: directory.sub("store"), namespaces: testNamespaces, options: testOptions(clock: TestClock()))
        let flags = try #require(store.namespace("FLAGS"))
        try await flags.put("a", "1")
        #expect(try flags.getText("a") == "1")
        store.close()
        let closedRead = kvError("read", 503, "The store is closed.")
        #expect(throws: closedRead) { try flags.getText("a") }
        #expect(throws: closedRead) { try flags.get("a", type: .json) }
        #expect(throws: closedRead) { try flags.getWithMetadata("a") }
        #expect(throws: closedRead) { try flags.get(["a", "b"]) }
        #expect(throws: closedRead) { try flags.list() }
        #expect(throws: closedRead) { try store.statistics() }
        let putError = await #expect(throws: KVError.self) { try await flags.put("b", "2") }
        #expect(putError?.status == 503)
        let deleteError = await #expect(throws: KVError.self) { try await flags.delete("a") }
        #expect(deleteError?.status == 503)
    }

    @Test func closingWhileReadsAreInFlightNeverCrashes() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let store = try KVStore(directory: directory.sub("store"), namespaces: testNamespaces, options: testOptions(clock: TestClock()))
        let flags = try #require(store.namespace("FLAGS"))
        for i in 0..<50 { try await flags.put("k\(i)", String(repeating: "v", count: i * 100)) }
        let readers = (0..<4).map { r in
            Task.detached { () -> (reads: Int, unexpected: [String]) in
                var reads = 0
                var unexpected: [String] = []
                while true {
                    do {
                        let value = try flags.getText("k\((reads + r) % 50)")
                        if value?.count != ((reads + r) % 50) * 100 { unexpected.append("bad value") }
                        if reads % 10 == 0 { _ = try flags.list(limit: 20) }
                        reads += 1
                    } catch let error as KVError where error.status == 503 {
                        return (reads, unexpected)
                    } catch {
                        return (reads, unexpected + ["\(error)"])
                    }
                }
            }
        }
        // Let the readers get going (bounded wait; correctness does not depend on it).
        for _ in 0..<2_000 {
            if try store.statistics().readersInUse > 0 { break }
            await Task.yield()
        }
        store.close()
        for reader in readers {
            let result = await reader.value
            #expect(result.unexpected == [])
        }
    }

    @Test func keysChangedNamesThisNamespacesKeysInOrderOfChange() async throws {
        try await withStore { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            let tokens = try #require(store.namespace("TOKENS"))
            let start = flags.sequence
            #expect(flags.keysChanged(after: start, limit: 100) == [])
            try await flags.put("a", "1")
            try await tokens.put("t", "x")
            try await flags.put("b", "2")
            try await flags.delete("a")
            #expect(flags.keysChanged(after: start, limit: 100) == ["a", "b", "a"])
            #expect(tokens.keysChanged(after: start, limit: 100) == ["t"])
            // Counted over the whole store's log: past the limit, the caller is told to rebuild.
            #expect(flags.keysChanged(after: start, limit: 3) == nil)
            #expect(flags.keysChanged(after: flags.sequence, limit: 100) == [])
        }
    }

    @Test func keysChangedIsNilOnceTheLogNoLongerReachesBack() async throws {
        try await withStore(configure: { $0.changeLogMaxEntries = 5 }) { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            let start = flags.sequence
            for i in 0..<20 { try await flags.put("k\(i % 3)", "v\(i)") }
            #expect(flags.keysChanged(after: start, limit: 1000) == nil)
            #expect(flags.keysChanged(after: flags.sequence - 2, limit: 1000) == ["k0", "k1"])
        }
    }

    @Test func changeLogIsTrimmedToItsMaximumEntries() async throws {
        try await withStore(configure: { $0.changeLogMaxEntries = 5 }) { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            for i in 0..<20 { try await flags.put("k\(i % 3)", "v\(i)") }
            let stats = try store.statistics()
            #expect(stats.changeLogEntries == 5)
            #expect(stats.sequence == 20)
            #expect(stats.keysPerNamespace["FLAGS"] == 3)
        }
    }
}

@Suite("Mapped pages given back")
struct MappedPagesTests {
    /// Resident kB of this process's mappings of `file`, from /proc/self/smaps.
    static func residentKB(of file: String) throws -> Int {
        var total = 0, inFile = false
        let handle = try #require(fopen("/proc/self/smaps", "r"))
        defer { fclose(handle) }
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        while getline(&buffer, &capacity, handle) > 0, let buffer {
            let line = String(cString: buffer).trimmingCharacters(in: .newlines)
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if let first = fields.first, first.contains("-"), first.allSatisfy({ $0.isHexDigit || $0 == "-" }) {
                inFile = fields.count >= 6 && fields[5] == file
            } else if inFile, fields.first == "Rss:", fields.count >= 2, let kb = Int(fields[1]) {
                total += kb
            }
        }
        return total
    }

    @Test func pagesReadOnceLeaveTheResidentSetAndReadsStillSeeEveryValue() async throws {
        try await withStore { store, directory async throws in
            let flags = try #require(store.namespace("FLAGS"))
            let value = String(repeating: "x", count: 3_000)
            for i in 0..<2_000 { try await flags.put("key-\(i)", value + "\(i)") }
            for i in 0..<2_000 { #expect(try flags.getText("key-\(i)") == value + "\(i)") }
            let file = try #require(ProcessMappings.realPath(directory.sub("store") + "/data.mdb"))
            let before = try Self.residentKB(of: file)
            #expect(before > 4_000)
            store.releaseMappedPages()
            #expect(try Self.residentKB(of: file) < before / 10)
            for i in 0..<2_000 { #expect(try flags.getText("key-\(i)") == value + "\(i)") }
        }
    }
}
