import EdgeJSON
@testable import EdgeKV
import Foundation
import Synchronization
import Testing

/// Every live key of every namespace with its value and metadata: what "the same contents" means.
private func everything(_ store: KVStore) throws -> [String: [String: String]] {
    var out: [String: [String: String]] = [:]
    for id in store.namespaceIDs {
        let ns = try #require(store.namespace(id))
        var entries: [String: String] = [:]
        for key in try listAll(ns) {
            let found = try #require(try ns.getWithMetadata(key.name, type: .arrayBuffer) as (value: KVValue, metadata: JSONValue?)?)
            entries[key.name] = "\(found.value.bytes ?? []) exp=\(key.expiration ?? 0) meta=\(found.metadata?.jsonString ?? "-")"
        }
        out[id] = entries
    }
    return out
}

/// An origin and a replica on their own directories, with a snapshot of the origin installed.
private func withPair(
    clock: TestClock = TestClock(),
    configureOrigin: (inout KVStoreOptions) -> Void = { _ in },
    _ body: (_ origin: KVStore, _ replica: KVStore, _ directory: TemporaryDirectory) async throws -> Void
) async throws {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let origin = try KVStore(directory: directory.sub("origin"), namespaces: testNamespaces,
                             options: testOptions(clock: clock, configure: configureOrigin))
    defer { origin.close() }
    let replica = try KVStore(directory: directory.sub("replica"), namespaces: testNamespaces,
                              options: testOptions(clock: clock) { $0.role = .replica(of: "http://origin.test:8080") })
    defer { replica.close() }
    try await body(origin, replica, directory)
}

/// Follows `origin` until `replica` has applied everything, one page at a time.
private func catchUp(_ replica: KVStore, from origin: KVStore, pageSize: Int = 1000) async throws {
    while let applied = replica.appliedOriginSequence, applied < origin.sequence {
        let page = try origin.changes(after: applied, limit: pageSize)
        try await replica.apply(page.changes)
    }
}

/// Whether a snapshot install is in flight, and whether the installs are over, for readers beside them.
private final class InstallProgress: Sendable {
    private let installing = Atomic<Bool>(false)
    private let over = Atomic<Bool>(false)
    private let installs = Atomic<Int>(0)
    private let settled = Atomic<Int>(0)
    var isInstalling: Bool { installing.load(ordering: .acquiring) }
    var isOver: Bool { over.load(ordering: .acquiring) }
    /// Installs finished so far.
    var installsDone: Int { installs.load(ordering: .acquiring) }
    /// Reads that ran wholly between two installs, so saw one settled generation.
    var settledReads: Int { settled.load(ordering: .acquiring) }
    func set(installing value: Bool) {
        installing.store(value, ordering: .releasing)
        if !value { installs.add(1, ordering: .releasing) }
    }
    func noteSettledRead() { settled.add(1, ordering: .releasing) }
    func finish() { over.store(true, ordering: .releasing) }
}

/// What one reader saw beside the installs.
private struct ProbeReads: Sendable {
    var reads = 0
    var duringInstall = 0
    var generations: Set<Int> = []
    var problems: [String] = []
}

/// The probe keys of each generation of the contents: generation 2 dropped the first hundred of
/// generation 1, rewrote the rest and added a hundred.
private let probeGenerations = [1: 0..<300, 2: 100..<400]

/// Reads the probe keys as a Worker would, each read in its own transaction: a listing (names and
/// metadata) and a bulk get of keys both generations hold. Each must show one whole generation.
private func readProbes(_ flags: KVNamespace) -> (generation: Int, problem: String?) {
    do {
        let page = try flags.list(prefix: "probe-", limit: 1000)
        let generations = Set(page.keys.map { $0.metadata?["generation"]?.doubleValue.map { Int($0) } ?? 0 })
        guard generations.count == 1, let generation = generations.first, let range = probeGenerations[generation] else {
            return (0, "a listing mixed generations \(generations.sorted())")
        }
        guard Set(page.keys.map(\.name)) == Set(range.map { "probe-\($0)" }) else {
            return (generation, "a listing of generation \(generation) had \(page.keys.count) keys")
        }
        let values = try flags.get((100..<150).map { "probe-\($0)" })
        let seen = Set(values.values.map { $0?.text?.split(separator: "-").first.map(String.init) ?? "missing" })
        guard seen.count == 1 else { return (generation, "a bulk get mixed \(seen.sorted())") }
        return (generation, nil)
    } catch {
        return (0, "a read failed: \(error)")
    }
}

@Suite("Replication at the store level")
struct ReplicationTests {
    @Test func changeFeedListsEveryMutationAfterASequenceInOrder() async throws {
        try await withFlags { flags, store in
            try await flags.put("a", "1")
            try await flags.put("b", "2", options: KVPutOptions(metadata: ["m": 1]))
            try await flags.delete("a")
            try await flags.delete("never-existed")  // deleting a missing key commits nothing
            let all = try store.changes(after: 0)
            #expect(all.latest == 3)
            #expect(all.changes.map(\.sequence) == [1, 2, 3])
            #expect(all.changes.map(\.operation) == [.put, .put, .delete])
            #expect(all.changes.map { String(decoding: $0.key, as: UTF8.self) } == ["a", "b", "a"])
            #expect(all.changes.allSatisfy { $0.namespace == "FLAGS" })
            let tail = try store.changes(after: 1, limit: 1)
            #expect(tail.changes.map(\.sequence) == [2])
            #expect(tail.latest == 3)
            #expect(try store.changes(after: 3).changes.isEmpty)
        }
    }

    @Test func aSequenceOlderThanTheRetainedLogIs410() async throws {
        try await withFlags(configure: { $0.changeLogMaxEntries = 10 }) { flags, store in
            for i in 0..<30 { try await flags.put("k\(i)", "v") }
            #expect(throws: KVError.self) { try store.changes(after: 5) }
            do {
                _ = try store.changes(after: 5)
            } catch let error as KVError {
                #expect(error.status == 410)
                #expect(error.message.contains("older than the retained change log"))
            }
            #expect(try store.changes(after: 25).changes.count == 5)
        }
    }

    @Test func changesOlderThanTheMaxAgeAreTrimmedAndASequenceAmongThemIs410() async throws {
        let clock = TestClock()
        try await withFlags(clock: clock, configure: { $0.changeLogMaxAgeSeconds = 3600 }) { flags, store in
            for i in 0..<5 { try await flags.put("old-\(i)", "v") }  // sequences 1...5
            clock.advance(by: 1800)
            for i in 0..<3 { try await flags.put("mid-\(i)", "v") }  // 6...8, half an hour younger
            clock.advance(by: 1801)
            #expect(try store.changes(after: 0).changes.count == 8)  // trimmed by a commit, not by time alone

            // The next commit drops what is older than an hour: the first five, not the three after.
            try await flags.put("new", "v")
            for since: UInt64 in [0, 4] {
                do {
                    _ = try store.changes(after: since)
                    Issue.record("a sequence whose changes were trimmed by age was served")
                } catch let error as KVError {
                    #expect(error.status == 410)
                    #expect(error.message.contains("older than the retained change log"))
                }
            }
            #expect(try store.changes(after: 5).changes.map(\.sequence) == [6, 7, 8, 9])
            // Only the log is trimmed: the data stays.
            #expect(try flags.getText("old-0") == "v")

            // Long after, every entry before the new one goes.
            clock.advance(by: 30 * 24 * 3600)
            try await flags.put("later", "v")
            #expect(throws: KVError.self) { try store.changes(after: 8) }
            #expect(try store.changes(after: 9).changes.map(\.sequence) == [10])
            #expect(try store.changes(after: 10).changes.isEmpty)
        }
    }

    @Test func aSequenceAheadOfTheStoreIs410() async throws {
        try await withFlags { flags, store in
            try await flags.put("a", "1")
            do {
                _ = try store.changes(after: 9)
                Issue.record("a sequence from the future was accepted")
            } catch let error as KVError {
                #expect(error.status == 410)
            }
        }
    }

    @Test func installedSnapshotThenAppliedFeedGiveTheOriginsExactContents() async throws {
        let clock = TestClock()
        try await withPair(clock: clock) { origin, replica, directory in
            let flags = try #require(origin.namespace("FLAGS"))
            let tokens = try #require(origin.namespace("TOKENS"))
            for i in 0..<200 {
                try await flags.put("flag-\(i)", "value-\(i)", options: KVPutOptions(metadata: i % 2 == 0 ? ["i": .number(Double(i))] : nil))
            }
            try await tokens.put("t", "secret", options: KVPutOptions(expirationTTL: 3600))
            let snapshot = try origin.writeSnapshot(to: directory.sub("snap.mdb"))
            #expect(replica.appliedOriginSequence == nil)
            let installed = try await replica.installSnapshot(at: directory.sub("snap.mdb"))
            #expect(installed == snapshot.sequence)
            #expect(replica.appliedOriginSequence == snapshot.sequence)
            #expect(try everything(replica) == everything(origin))

            // Then the feed: puts, overwrites, deletes, metadata.
            for i in 0..<50 { try await flags.delete("flag-\(i * 4)") }
            for i in 0..<30 { try await flags.put("flag-\(i)", "changed", options: KVPutOptions(metadata: ["v": 2])) }
            try await tokens.put("u", "other")
            try await catchUp(replica, from: origin, pageSize: 7)
            #expect(replica.appliedOriginSequence == origin.sequence)
            #expect(try everything(replica) == everything(origin))
        }
    }

    @Test func applyingTheSamePageTwiceChangesNothing() async throws {
        try await withPair { origin, replica, directory in
            let flags = try #require(origin.namespace("FLAGS"))
            _ = try origin.writeSnapshot(to: directory.sub("snap.mdb"))
            try await replica.installSnapshot(at: directory.sub("snap.mdb"))
            try await flags.put("a", "1")
            try await flags.put("b", "2")
            try await flags.delete("a")
            let page = try origin.changes(after: 0)
            try await replica.apply(page.changes)
            let sequenceAfterFirst = replica.sequence
            try await replica.apply(page.changes)
            try await replica.apply(Array(page.changes.prefix(2)))
            #expect(replica.sequence == sequenceAfterFirst)
            #expect(replica.appliedOriginSequence == 3)
            #expect(try everything(replica) == everything(origin))
        }
    }

    @Test func expirySweptAtTheOriginReachesTheReplicaAsADelete() async throws {
        let clock = TestClock()
        try await withPair(clock: clock) { origin, replica, directory in
            let flags = try #require(origin.namespace("FLAGS"))
            _ = try origin.writeSnapshot(to: directory.sub("snap.mdb"))
            try await replica.installSnapshot(at: directory.sub("snap.mdb"))
            try await flags.put("short", "v", options: KVPutOptions(expirationTTL: 60))
            try await catchUp(replica, from: origin)
            #expect(try replica.statistics().keysPerNamespace["FLAGS"] == 1)
            clock.advance(by: 61)
            #expect(try replica.namespace("FLAGS")?.get("short") == nil)  // hidden at once by reads
            try await origin.sweepExpired()
            let page = try origin.changes(after: replica.appliedOriginSequence ?? 0)
            #expect(page.changes.map(\.operation) == [.expire])
            try await replica.apply(page.changes)
            #expect(try replica.statistics().keysPerNamespace["FLAGS"] == 0)  // and now gone for good
        }
    }

    @Test func aReplicaRefusesLocalWritesNamingItsOrigin() async throws {
        try await withPair { _, replica, _ in
            let flags = try #require(replica.namespace("FLAGS"))
            #expect(flags.readOnlyOrigin == "http://origin.test:8080")
            await #expect(throws: KVError(operation: "put", status: 403,
                                          message: "This node is a read-only replica of http://origin.test:8080; send writes to the origin.")) {
                try await flags.put("a", "1")
            }
            await #expect(throws: KVError.self) { try await flags.delete("a") }
        }
    }

    @Test func anotherProcessOpeningAReplicaStoreAlsoRefusesWrites() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let clock = TestClock()
        let replica = try KVStore(directory: directory.sub("r"), namespaces: testNamespaces,
                                  options: testOptions(clock: clock) { $0.role = .replica(of: "http://o:1") })
        replica.close()
        // As the CLI opens it: the mark in the store decides.
        let asStored = try KVStore(directory: directory.sub("r"), namespaces: testNamespaces, options: testOptions(clock: clock))
        #expect(asStored.replicaOf == "http://o:1")
        await #expect(throws: KVError.self) { try await asStored.namespace("FLAGS")!.put("a", "1") }
        asStored.close()
        // Served as an origin: promoted, the mark is gone, writes work.
        let promoted = try KVStore(directory: directory.sub("r"), namespaces: testNamespaces,
                                   options: testOptions(clock: clock) { $0.role = .origin })
        #expect(promoted.promotedFrom == "http://o:1")
        #expect(promoted.replicaOf == nil)
        try await promoted.namespace("FLAGS")!.put("a", "1")
        promoted.close()
        let after = try KVStore(directory: directory.sub("r"), namespaces: testNamespaces, options: testOptions(clock: clock))
        #expect(after.replicaOf == nil)
        after.close()
    }

    @Test func applyBeforeAnySnapshotIsRefusedAndAChangedOriginForgetsTheAppliedSequence() async throws {
        try await withPair { origin, replica, directory in
            let flags = try #require(origin.namespace("FLAGS"))
            try await flags.put("a", "1")
            await #expect(throws: KVError.self) { try await replica.apply(try origin.changes(after: 0).changes) }
            _ = try origin.writeSnapshot(to: directory.sub("snap.mdb"))
            try await replica.installSnapshot(at: directory.sub("snap.mdb"))
            #expect(replica.appliedOriginSequence == 1)
            let path = replica.directory
            replica.close()
            let same = try KVStore(directory: path, namespaces: testNamespaces,
                                   options: testOptions(clock: TestClock()) { $0.role = .replica(of: "http://origin.test:8080") })
            #expect(same.appliedOriginSequence == 1)  // a restart resumes where it was
            same.close()
            let moved = try KVStore(directory: path, namespaces: testNamespaces,
                                    options: testOptions(clock: TestClock()) { $0.role = .replica(of: "http://elsewhere:9") })
            #expect(moved.appliedOriginSequence == nil)  // another origin: snapshot first
            moved.close()
        }
    }

    @Test func installAndApplyMoveNamespaceSequencesSoCachesRebuild() async throws {
        try await withPair { origin, replica, directory in
            let flags = try #require(origin.namespace("FLAGS"))
            let replicaFlags = try #require(replica.namespace("FLAGS"))
            let replicaTokens = try #require(replica.namespace("TOKENS"))
            try await flags.put("a", "1")
            _ = try origin.writeSnapshot(to: directory.sub("snap.mdb"))
            let before = (replicaFlags.sequence, replicaTokens.sequence)
            try await replica.installSnapshot(at: directory.sub("snap.mdb"))
            #expect(replicaFlags.sequence != before.0)
            #expect(replicaTokens.sequence != before.1)
            let afterInstall = (replicaFlags.sequence, replicaTokens.sequence)
            try await flags.put("b", "2")
            try await catchUp(replica, from: origin)
            #expect(replicaFlags.sequence != afterInstall.0)
            #expect(replicaTokens.sequence == afterInstall.1)  // untouched namespace: caches stay
            #expect(try replicaFlags.getText("b") == "2")
        }
    }

    @Test func changesOfANamespaceTheReplicaDoesNotServeStillAdvanceItsSequence() async throws {
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let clock = TestClock()
        let origin = try KVStore(directory: directory.sub("o"), namespaces: ["FLAGS", "TOKENS", "EXTRA"], options: testOptions(clock: clock))
        defer { origin.close() }
        let replica = try KVStore(directory: directory.sub("r"), namespaces: testNamespaces,
                                  options: testOptions(clock: clock) { $0.role = .replica(of: "http://o") })
        defer { replica.close() }
        _ = try origin.writeSnapshot(to: directory.sub("s.mdb"))
        try await replica.installSnapshot(at: directory.sub("s.mdb"))
        try await origin.namespace("EXTRA")!.put("x", "1")
        try await origin.namespace("FLAGS")!.put("y", "2")
        try await origin.namespace("EXTRA")!.put("z", "3")
        try await replica.apply(try origin.changes(after: 0).changes)
        #expect(replica.appliedOriginSequence == 3)
        #expect(try replica.namespace("FLAGS")?.getText("y") == "2")
    }

    @Test func reinstallingReplacesEverythingAndRestartsTheLocalLog() async throws {
        try await withPair { origin, replica, directory in
            let flags = try #require(origin.namespace("FLAGS"))
            try await flags.put("old", "1")
            _ = try origin.writeSnapshot(to: directory.sub("one.mdb"))
            try await replica.installSnapshot(at: directory.sub("one.mdb"))
            try await flags.put("next", "2")
            try await catchUp(replica, from: origin)
            try await flags.delete("old")
            try await flags.put("new", "3")
            _ = try origin.writeSnapshot(to: directory.sub("two.mdb"))
            let localBefore = replica.sequence
            try await replica.installSnapshot(at: directory.sub("two.mdb"))
            #expect(try everything(replica) == everything(origin))
            #expect(replica.appliedOriginSequence == origin.sequence)
            // A follower of this replica that had read its log must re-snapshot.
            do {
                _ = try replica.changes(after: localBefore)
                Issue.record("the local log was not restarted by the install")
            } catch let error as KVError {
                #expect(error.status == 410)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func readersBesideASnapshotInstallSeeTheWholeOldOrTheWholeNewContents() async throws {
        try await withPair { origin, replica, directory in
            let flags = try #require(origin.namespace("FLAGS"))
            // Bulk, so that an install takes long enough for many reads to run beside it.
            let filler = String(repeating: "x", count: 2000)
            try await withThrowingTaskGroup(of: Void.self) { group in  // concurrent: group commits
                for i in 0..<4000 { group.addTask { _ = try await flags.put("bulk-\(i)", filler) } }
                try await group.waitForAll()
            }
            for generation in [1, 2] {
                if generation == 2 { for i in 0..<100 { try await flags.delete("probe-\(i)") } }
                for i in probeGenerations[generation]! {
                    try await flags.put("probe-\(i)", "gen\(generation)-\(i)",
                                        options: KVPutOptions(metadata: ["generation": .number(Double(generation))]))
                }
                _ = try origin.writeSnapshot(to: directory.sub("gen\(generation).mdb"))
            }
            try await replica.installSnapshot(at: directory.sub("gen1.mdb"))
            let replicaFlags = try #require(replica.namespace("FLAGS"))
            #expect(readProbes(replicaFlags).generation == 1)

            let progress = InstallProgress()
            let results = try await withThrowingTaskGroup(of: ProbeReads?.self) { group in
                for _ in 0..<3 {
                    group.addTask {
                        var result = ProbeReads()
                        while !progress.isOver || result.reads < 20 {
                            let before = progress.isInstalling, installsBefore = progress.installsDone
                            let (generation, problem) = readProbes(replicaFlags)
                            if before && progress.isInstalling { result.duringInstall += 1 }
                            if !before && !progress.isInstalling && progress.installsDone == installsBefore {
                                progress.noteSettledRead()
                            }
                            result.reads += 1
                            result.generations.insert(generation)
                            if let problem, result.problems.count < 10 { result.problems.append(problem) }
                            await Task.yield()
                        }
                        return result
                    }
                }
                group.addTask {
                    defer { progress.finish() }
                    for generation in [2, 1, 2, 1, 2] {
                        // Let the readers see each generation: a few whole reads of it before the next
                        // install (they take turns with this task, so this is a matter of polling).
                        let mark = progress.settledReads
                        while progress.settledReads < mark + 3 { try await Task.sleep(nanoseconds: 1_000_000) }
                        progress.set(installing: true)
                        try await replica.installSnapshot(at: directory.sub("gen\(generation).mdb"))
                        progress.set(installing: false)
                    }
                    return nil
                }
                var all: [ProbeReads] = []
                for try await result in group { if let result { all.append(result) } }
                return all
            }
            #expect(results.count == 3)
            #expect(results.flatMap(\.problems).isEmpty, "\(results.flatMap(\.problems))")
            #expect(Set(results.flatMap(\.generations)) == [1, 2])
            let overlapping = results.map(\.duringInstall).reduce(0, +)
            #expect(overlapping > 0, "no read ran beside an install (\(results.map(\.reads)) reads)")
            // The last install was of generation 2, the origin's contents.
            #expect(readProbes(replicaFlags).generation == 2)
            #expect(replica.appliedOriginSequence == origin.sequence)
            #expect(try replica.statistics().keysPerNamespace == origin.statistics().keysPerNamespace)
        }
    }

    @Test func aFileThatIsNotASnapshotIsRefusedAndTheStoreIsUnchanged() async throws {
        try await withPair { origin, replica, directory in
            try await origin.namespace("FLAGS")!.put("a", "1")
            _ = try origin.writeSnapshot(to: directory.sub("snap.mdb"))
            try await replica.installSnapshot(at: directory.sub("snap.mdb"))
            let bogus = directory.sub("bogus.mdb")
            try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: bogus))
            await #expect(throws: KVError.self) { try await replica.installSnapshot(at: bogus) }
            #expect(try replica.namespace("FLAGS")?.getText("a") == "1")
            #expect(replica.appliedOriginSequence == 1)
        }
    }
}

@Suite("An idle writer sleeps")
struct IdleWriterTests {
    /// A replica never sweeps; its writer must still wait between polls, not spin on a sweep
    /// deadline left in the past (it once took a whole core from the event loop beside it).
    @Test(arguments: [KVStoreRole.origin, .replica(of: "http://origin.test:8080")])
    func anIdleStoreWakesOnlyToPoll(role: KVStoreRole) async throws {
        try await withStore(configure: { $0.role = role; $0.sweepIntervalSeconds = 0.1 }) { store, _ in
            let before = store.writer.wakeups.load(ordering: .relaxed)
            try await Task.sleep(nanoseconds: 1_000_000_000)
            let turns = store.writer.wakeups.load(ordering: .relaxed) - before
            // It polls every 0.25 s and sweeps every 0.1 s here: about 10 turns a second.
            #expect(turns <= 40, "the writer turned \(turns) times in a second")
        }
    }
}
