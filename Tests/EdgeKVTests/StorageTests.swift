import EdgeJSON
import EdgeKV
import Testing

@Suite("Large values and storage limits")
struct StorageTests {
    @Test func valueOfExactly25MiBIsAcceptedAndRoundTripsByteExact() async throws {
        try await withFlags { ns, store async throws in
            let value = patternBytes(count: 26_214_400, seed: 2024)
            let sequence = try await ns.put("max", value, options: KVPutOptions(metadata: ["size": 26_214_400]))
            #expect(sequence == store.sequence)
            let read = try #require(try ns.getBytes("max"))
            #expect(read.count == 26_214_400)
            #expect(read == value)
            let streamed = try await collectChunks(try ns.get("max", type: .stream)).flatMap { $0 }
            #expect(streamed == value)
            #expect(try ns.getWithMetadata("max", type: .arrayBuffer)?.metadata == ["size": 26_214_400])
            // Replacing the large value with a small one.
            try await ns.put("max", "small")
            #expect(try ns.getText("max") == "small")
        }
    }

    @Test func putThatDoesNotFitTheMapFailsWith507AndLeavesTheStoreUsable() async throws {
        try await withStore(configure: {
            $0.mapSizeBytes = 1 << 20
            $0.changeLogMaxEntries = 2
        }) { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            try await flags.put("keep", "precious", options: KVPutOptions(metadata: ["m": true]))

            // Fill the map with 64 KiB values until a put is refused.
            var stored: [String: [UInt8]] = [:]
            var failure: KVError?
            for i in 0..<64 {
                let value = patternBytes(count: 64 * 1024, seed: UInt64(i + 1))
                do {
                    try await flags.put("big-\(i)", value)
                    stored["big-\(i)"] = value
                } catch let error as KVError {
                    failure = error
                    #expect(try flags.get("big-\(i)") == nil)
                    break
                }
            }
            let error = try #require(failure)
            #expect(error.status == 507)
            #expect(error.message == "Storage is full (LMDB map size reached); raise [storage] map_size_mb.")
            #expect(stored.count >= 2)

            // The failed put changed nothing.
            let sequence = store.sequence
            #expect(sequence == UInt64(stored.count + 1))
            #expect(try flags.getText("keep") == "precious")
            #expect(try flags.getWithMetadata("keep")?.metadata == ["m": true])
            for (key, value) in stored { #expect(try flags.getBytes(key) == value) }

            // An oversized value is refused again, without side effects.
            await #expect(throws: KVError.self) { try await flags.put("huge", patternBytes(count: 2 << 20)) }
            #expect(store.sequence == sequence)

            // After deletes, small writes (and a large one again) succeed.
            for key in stored.keys { try await flags.delete(key) }
            for i in 0..<20 { try await flags.put("small-\(i)", "v\(i)") }
            #expect(try flags.getText("small-19") == "v19")
            let again = patternBytes(count: 64 * 1024, seed: 99)
            try await flags.put("big-again", again)
            #expect(try flags.getBytes("big-again") == again)
            #expect(try flags.getText("keep") == "precious")
            #expect(store.sequence == sequence + UInt64(stored.count) + 21)
        }
    }

    /// A workload that, with this map size, first runs out of space inside `mdb_txn_commit` (while
    /// LMDB saves its free list) rather than inside `mdb_put`. The writer must report 507 and go on;
    /// the store must match a model of every write that succeeded.
    @Test func mapFullDuringCommitIsA507AndTheStoreMatchesEveryAcknowledgedWrite() async throws {
        try await withStore(configure: {
            $0.mapSizeBytes = (1 << 20) + 66 * 8192
            $0.changeLogMaxEntries = 3
        }) { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            var model: [String: [UInt8]] = [:]
            var failures = 0
            var mutations: UInt64 = 0
            for step in 0..<400 {
                let size = [100, 3000, 5000, 17000, 40000][(step + 66) % 5]
                let key = "k\(step % 97)"
                let value = patternBytes(count: size, seed: UInt64(step + 1))
                do {
                    try await flags.put(key, value)
                    model[key] = value
                    mutations += 1
                } catch let error as KVError {
                    #expect(error.status == 507)
                    #expect(store.sequence == mutations)
                    failures += 1
                    for j in stride(from: 0, to: 97, by: 2 + failures % 3) {
                        if model.removeValue(forKey: "k\(j)") != nil { mutations += 1 }
                        try await flags.delete("k\(j)")
                    }
                }
            }
            #expect(failures >= 1)
            #expect(store.sequence == mutations)
            for j in 0..<97 {
                #expect(try flags.getBytes("k\(j)") == model["k\(j)"], "k\(j)")
            }
            #expect(try listAll(flags).map(\.name).sorted() == model.keys.sorted())
        }
    }
}
