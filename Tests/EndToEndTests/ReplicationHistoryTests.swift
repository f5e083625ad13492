import EdgeJSON
import EdgeKV
import Foundation
import Testing

/// An origin restored from an older backup counts its sequences again from the backup's. A replica
/// that followed it before, and asks again only once the origin's sequence has passed its own, must
/// not take the new changes for the ones it missed: it re-snapshots instead (the store histories).
@Suite("Multi-node replication: an origin restored from a backup", .serialized)
struct ReplicationHistoryTests {
    @Test func aReplicaOfAnOriginRestoredFromABackupResnapshotsInsteadOfMixingHistories() async throws {
        try await Cluster.with(replicas: 1) { cluster in
            let origin = cluster.origin, replica = cluster.replicas[0]
            func cli(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
                let directory = origin.directory
                return try await offPool { try EdgeworkerBinary.run(arguments, in: directory) }
            }
            try await cluster.createFlag("kept")
            let backup = try await cli(["snapshot", "create", origin.directory + "/backup.mdb"])
            #expect(backup.status == 0, "\(backup.err)")
            #expect(await cluster.createFlags(3, prefix: "lost") == 0)
            #expect(await cluster.converged())
            let followed = try await replica.status()["applied_sequence"]?.doubleValue ?? -1

            // The replica is away while the origin is restored and writes past its sequence.
            await replica.stop()
            await origin.stop()
            let restore = try await cli(["snapshot", "restore", origin.directory + "/backup.mdb"])
            #expect(restore.status == 0, "\(restore.err)")
            try await origin.start()
            #expect(await cluster.createFlags(10, prefix: "after") == 0)
            #expect(try await origin.status()["sequence"]?.doubleValue ?? 0 > followed)

            try await replica.start()
            #expect(await cluster.converged(timeout: 20))
            let listings = try cluster.listings()
            let identical = listings[1] == listings[0]  // (the listings themselves are too long to print)
            #expect(identical)
            #expect(listings[1]["flags"]?.keys.contains { $0.contains("lost-") } == false)
            #expect(listings[1]["flags"]?.keys.filter { $0.contains("after-") }.count == 10)
            #expect(try await replica.status()["snapshots_installed"]?.doubleValue == 1)  // since this start
            #expect(replica.log().contains("history"))
        }
    }
}
