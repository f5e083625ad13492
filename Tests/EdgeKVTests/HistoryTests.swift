import EdgeJSON
@testable import EdgeKV
import Foundation
import Testing

/// Sequences count within one history: a store restored from a backup starts a new one, and a
/// replica asking for changes in the history it installed is refused (410) by a store of another.
@Suite("Store histories")
struct HistoryTests {
    @Test func aStoreKeepsItsHistoryAcrossOpensAndARestoreStartsANewOne() async throws {
        let clock = TestClock()
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.sub("origin")
        let snapshot = directory.sub("backup.mdb")
        let first: String
        do {
            let store = try KVStore(directory: path, namespaces: testNamespaces, options: testOptions(clock: clock))
            defer { store.close() }
            first = store.history
            #expect(first.count == 32 && first.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
            try await #require(store.namespace("FLAGS")).put("a", "1")
            _ = try store.writeSnapshot(to: snapshot)
        }
        do {
            let reopened = try KVStore(directory: path, namespaces: testNamespaces, options: testOptions(clock: clock))
            defer { reopened.close() }
            #expect(reopened.history == first)
            #expect(try reopened.changes(after: 0, history: first).changes.count == 1)
        }
        let other = try KVStore(directory: directory.sub("other"), namespaces: testNamespaces, options: testOptions(clock: clock))
        #expect(other.history != first)
        other.close()

        #expect(try KVStore.restoreSnapshot(from: snapshot, into: path) == 1)
        // The backup itself is left as it was.
        #expect(try KVStore.inspectSnapshot(at: snapshot) == 1)
        let restored = try KVStore(directory: path, namespaces: testNamespaces, options: testOptions(clock: clock))
        defer { restored.close() }
        #expect(restored.history != first)
        #expect(try restored.changes(after: 0, history: restored.history).changes.count == 1)
        let refused = #expect(throws: KVError.self) { try restored.changes(after: 0, history: first) }
        #expect(refused?.status == 410)
        // Without a history the sequence alone decides, as before histories.
        #expect(try restored.changes(after: 0).changes.count == 1)
    }

    /// The divergence a history exists for: the origin is restored from an older backup and writes
    /// again until its sequence passes the replica's; by sequence alone the replica would apply the
    /// new history on top of the old one.
    @Test func aReplicaOfARestoredOriginIsRefusedEvenWhenItsSequenceIsInRange() async throws {
        let clock = TestClock()
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let originPath = directory.sub("origin")
        let backup = directory.sub("backup.mdb")
        let forReplica = directory.sub("for-replica.mdb")
        let replica = try KVStore(directory: directory.sub("replica"), namespaces: testNamespaces,
                                  options: testOptions(clock: clock) { $0.role = .replica(of: "http://origin.test") })
        defer { replica.close() }
        let originHistory: String
        do {
            let origin = try KVStore(directory: originPath, namespaces: testNamespaces, options: testOptions(clock: clock))
            defer { origin.close() }
            originHistory = origin.history
            let flags = try #require(origin.namespace("FLAGS"))
            try await flags.put("kept", "1")
            _ = try origin.writeSnapshot(to: backup)
            try await flags.put("lost", "2")
            _ = try origin.writeSnapshot(to: forReplica)
        }
        #expect(try await replica.installSnapshot(at: forReplica) == 2)
        #expect(replica.appliedOriginHistory == originHistory)
        #expect(replica.history != originHistory)

        #expect(try KVStore.restoreSnapshot(from: backup, into: originPath) == 1)
        let origin = try KVStore(directory: originPath, namespaces: testNamespaces, options: testOptions(clock: clock))
        defer { origin.close() }
        let flags = try #require(origin.namespace("FLAGS"))
        try await flags.put("new-1", "3")
        try await flags.put("new-2", "4")
        // Sequence 2 exists again at the origin, in another history.
        #expect(try origin.changes(after: 2).changes.map(\.sequence) == [3])
        let refused = #expect(throws: KVError.self) {
            try origin.changes(after: replica.appliedOriginSequence ?? 0, history: replica.appliedOriginHistory)
        }
        #expect(refused?.status == 410)

        // A new snapshot of the origin brings the replica into its history.
        _ = try origin.writeSnapshot(to: forReplica)
        #expect(try await replica.installSnapshot(at: forReplica) == 3)
        #expect(replica.appliedOriginHistory == origin.history)
        #expect(try origin.changes(after: 3, history: replica.appliedOriginHistory).changes.isEmpty)
        #expect(try listAll(#require(replica.namespace("FLAGS"))).map(\.name) == ["kept", "new-1", "new-2"])
    }

    @Test func aReplicaKeepsItsOriginsHistoryAcrossOpensAndForgetsItWithANewOrigin() async throws {
        let clock = TestClock()
        let directory = TemporaryDirectory()
        defer { directory.remove() }
        let snapshot = directory.sub("origin.mdb")
        let origin = try KVStore(directory: directory.sub("origin"), namespaces: testNamespaces, options: testOptions(clock: clock))
        try await #require(origin.namespace("FLAGS")).put("a", "1")
        _ = try origin.writeSnapshot(to: snapshot)
        origin.close()
        let replicaPath = directory.sub("replica")
        do {
            let replica = try KVStore(directory: replicaPath, namespaces: testNamespaces,
                                      options: testOptions(clock: clock) { $0.role = .replica(of: "http://one.test") })
            defer { replica.close() }
            #expect(replica.appliedOriginHistory == nil)
            try await replica.installSnapshot(at: snapshot)
        }
        do {
            let again = try KVStore(directory: replicaPath, namespaces: testNamespaces,
                                    options: testOptions(clock: clock) { $0.role = .replica(of: "http://one.test") })
            defer { again.close() }
            #expect(again.appliedOriginHistory == origin.history)
        }
        let moved = try KVStore(directory: replicaPath, namespaces: testNamespaces,
                                options: testOptions(clock: clock) { $0.role = .replica(of: "http://two.test") })
        defer { moved.close() }
        #expect(moved.appliedOriginSequence == nil)
        #expect(moved.appliedOriginHistory == nil)
    }
}
