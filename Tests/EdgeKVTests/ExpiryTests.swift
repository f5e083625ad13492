import EdgeJSON
import EdgeKV
import Testing

/// Whether `key` is visible to every kind of read.
private struct Visibility: Equatable {
    var get: Bool
    var getWithMetadata: Bool
    var getBytes: Bool
    var list: Bool
    var bulkGet: Bool

    static let visible = Visibility(get: true, getWithMetadata: true, getBytes: true, list: true, bulkGet: true)
    static let invisible = Visibility(get: false, getWithMetadata: false, getBytes: false, list: false, bulkGet: false)
}

private func visibility(of key: String, in ns: KVNamespace) throws -> Visibility {
    let bulk = try ns.get([key, "some-other-key"])
    let bulkValue = try #require(bulk[key])
    return Visibility(
        get: try ns.get(key) != nil,
        getWithMetadata: try ns.getWithMetadata(key) != nil,
        getBytes: try ns.getBytes(key) != nil,
        list: try ns.list().keys.contains { $0.name == key },
        bulkGet: bulkValue != nil)
}

@Suite("Expiry")
struct ExpiryTests {
    static let start: Double = 1_700_000_000

    @Test func keyWithExpirationTTLIsVisibleBeforeAndInvisibleFromItsExpiryOnwards() async throws {
        let clock = TestClock(Self.start)
        try await withFlags(clock: clock) { ns, _ async throws in
            try await ns.put("session", "abc", options: KVPutOptions(expirationTTL: 60, metadata: ["u": 1]))
            #expect(try visibility(of: "session", in: ns) == .visible)
            clock.set(Self.start + 59.999)
            #expect(try visibility(of: "session", in: ns) == .visible)
            #expect(try ns.getWithMetadata("session")?.metadata == ["u": 1])
            clock.set(Self.start + 60)
            #expect(try visibility(of: "session", in: ns) == .invisible)
            clock.set(Self.start + 10_000)
            #expect(try visibility(of: "session", in: ns) == .invisible)
        }
    }

    @Test func keyWithAbsoluteExpirationIsInvisibleAtThatSecond() async throws {
        let clock = TestClock(Self.start)
        try await withFlags(clock: clock) { ns, _ async throws in
            try await ns.put("k", "v", options: KVPutOptions(expiration: 1_700_000_500))
            clock.set(1_700_000_499)
            #expect(try visibility(of: "k", in: ns) == .visible)
            clock.set(1_700_000_500)
            #expect(try visibility(of: "k", in: ns) == .invisible)
        }
    }

    @Test func expiredKeyIsInvisibleToGetListAndBulkGetBeforeAnySweep() async throws {
        let clock = TestClock(Self.start)
        try await withFlags(clock: clock) { ns, store async throws in
            try await ns.put("a-expiring", "not json", options: KVPutOptions(expirationTTL: 60))
            try await ns.put("b-forever", #""json""#)
            try await ns.put("c-forever", "1")
            clock.advance(by: 61)
            // Still physically stored: no sweep has run.
            #expect(try store.statistics().keysPerNamespace["FLAGS"] == 2 + 1)
            #expect(try ns.get("a-expiring") == nil)
            #expect(try ns.get("a-expiring", type: .stream) == nil)
            let bulk = try ns.get(["a-expiring", "b-forever"], type: .json)
            #expect(bulk["a-expiring"]! == nil)
            #expect(bulk["b-forever"]??.json == "json")
            // Expired keys do not use up the page.
            let page = try ns.list(limit: 2)
            #expect(page.keys.map(\.name) == ["b-forever", "c-forever"])
            #expect(try listAll(ns, limit: 1).map(\.name) == ["b-forever", "c-forever"])
            #expect(try ns.list(prefix: "a").keys.isEmpty)
        }
    }

    @Test func expirationTTLWinsWhenBothAreGiven() async throws {
        let clock = TestClock(Self.start)
        try await withFlags(clock: clock) { ns, _ async throws in
            try await ns.put("both", "v", options: KVPutOptions(expiration: 1_800_000_000, expirationTTL: 120))
            #expect(try ns.list().keys.first?.expiration == 1_700_000_120)
            // Even an unacceptable `expiration` is ignored when a valid TTL is given.
            try await ns.put("pastAbs", "v", options: KVPutOptions(expiration: 5, expirationTTL: 90))
            #expect(try ns.list(prefix: "past").keys.first?.expiration == 1_700_000_090)
            clock.set(1_700_000_119)
            #expect(try ns.getText("both") == "v")
            clock.set(1_700_000_120)
            #expect(try ns.get("both") == nil)
            #expect(try ns.get("pastAbs") == nil)
        }
    }

    @Test func sweepRemovesExpiredKeysAndAdvancesTheChangeLogByTheirCount() async throws {
        let clock = TestClock(Self.start)
        try await withStore(clock: clock) { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            let tokens = try #require(store.namespace("TOKENS"))
            for i in 0..<3 { try await flags.put("soon-\(i)", "v", options: KVPutOptions(expirationTTL: 60)) }
            try await flags.put("later", "v", options: KVPutOptions(expirationTTL: 120))
            try await flags.put("forever", "v")
            try await tokens.put("t", "v", options: KVPutOptions(expiration: 1_700_000_060))
            let before = store.sequence
            #expect(before == 6)
            let logBefore = try store.statistics().changeLogEntries

            // Nothing has expired yet: a sweep is a no-op.
            try await store.sweepExpired()
            #expect(store.sequence == before)

            clock.set(Self.start + 60)
            try await store.sweepExpired()
            #expect(store.sequence == before + 4)
            #expect(flags.sequence > before && tokens.sequence > before)
            let stats = try store.statistics()
            #expect(stats.keysPerNamespace == ["FLAGS": 2, "TOKENS": 0])
            #expect(stats.changeLogEntries == logBefore + 4)

            // A second sweep at the same time finds nothing.
            try await store.sweepExpired()
            #expect(store.sequence == before + 4)

            clock.set(Self.start + 120)
            try await store.sweepExpired()
            #expect(store.sequence == before + 5)
            #expect(try listAll(flags).map(\.name) == ["forever"])
            #expect(try store.statistics().keysPerNamespace["FLAGS"] == 1)
        }
    }

    @Test func expiredKeyCanBePutAgainBeforeAndAfterTheSweep() async throws {
        let clock = TestClock(Self.start)
        try await withFlags(clock: clock) { ns, store async throws in
            try await ns.put("before-sweep", "old", options: KVPutOptions(expirationTTL: 60))
            try await ns.put("after-sweep", "old", options: KVPutOptions(expirationTTL: 60))
            clock.advance(by: 60)

            // Re-put before the sweep: the sweep must not remove the new value.
            try await ns.put("before-sweep", "new")
            try await store.sweepExpired()
            #expect(try ns.getText("before-sweep") == "new")
            #expect(try ns.getText("after-sweep") == nil)

            try await ns.put("after-sweep", "new", options: KVPutOptions(expirationTTL: 60, metadata: ["again": true]))
            let read = try #require(try ns.getWithMetadata("after-sweep"))
            #expect(read.value.text == "new")
            #expect(read.metadata == ["again": true])
            #expect(try ns.list().keys.map(\.name) == ["after-sweep", "before-sweep"])

            // The re-put "after-sweep" expires 60 s after its own put, not before.
            clock.advance(by: 59)
            try await store.sweepExpired()
            #expect(try ns.getText("after-sweep") == "new")
            clock.advance(by: 1)
            try await store.sweepExpired()
            #expect(try ns.getText("after-sweep") == nil)
            #expect(try ns.getText("before-sweep") == "new")
        }
    }

    @Test func overwritingWithoutExpirationMakesAKeyPermanent() async throws {
        let clock = TestClock(Self.start)
        try await withFlags(clock: clock) { ns, store async throws in
            try await ns.put("k", "temporary", options: KVPutOptions(expirationTTL: 60))
            try await ns.put("k", "permanent")
            #expect(try listed(ns.list().keys) == [Listed(name: "k", expiration: nil, metadata: nil)])
            clock.advance(by: 3600)
            let sequence = store.sequence
            try await store.sweepExpired()
            #expect(store.sequence == sequence)
            #expect(try ns.getText("k") == "permanent")
        }
    }

    @Test func extendingAnExpirationMovesItLater() async throws {
        let clock = TestClock(Self.start)
        try await withFlags(clock: clock) { ns, store async throws in
            try await ns.put("k", "v1", options: KVPutOptions(expirationTTL: 60))
            try await ns.put("k", "v2", options: KVPutOptions(expirationTTL: 600))
            clock.advance(by: 60)
            try await store.sweepExpired()
            #expect(try ns.getText("k") == "v2")
            #expect(try ns.list().keys.first?.expiration == 1_700_000_600)
            clock.set(1_700_000_600)
            #expect(try ns.get("k") == nil)
        }
    }

    @Test func deletedKeyWithExpiryIsNotSweptAgain() async throws {
        let clock = TestClock(Self.start)
        try await withFlags(clock: clock) { ns, store async throws in
            try await ns.put("k", "v", options: KVPutOptions(expirationTTL: 60))
            try await ns.delete("k")
            let sequence = store.sequence
            clock.advance(by: 120)
            try await store.sweepExpired()
            #expect(store.sequence == sequence)
        }
    }

    @Test func hugeExpirationTTLIsAcceptedWithoutOverflowing() async throws {
        let clock = TestClock(Self.start)
        try await withFlags(clock: clock) { ns, store async throws in
            let ttl = try KVLimits.parseExpirationTTL("9223372036854775807")
            try await ns.put("forever-ish", "v", options: KVPutOptions(expirationTTL: ttl))
            try await ns.put("far", "v", options: KVPutOptions(expiration: .max))
            let keys = try ns.list().keys
            #expect(keys.map(\.name) == ["far", "forever-ish"])
            #expect(keys.allSatisfy { ($0.expiration ?? 0) > 1_700_000_000 + 1_000_000_000 })
            clock.advance(by: 100 * 365 * 86_400)
            try await store.sweepExpired()
            #expect(try ns.getText("forever-ish") == "v")
            #expect(try ns.getText("far") == "v")
        }
    }

    @Test func keysWithNULAndMultiByteCharactersAreSweptFromTheRightNamespace() async throws {
        let clock = TestClock(Self.start)
        try await withStore(clock: clock) { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            let tokens = try #require(store.namespace("TOKENS"))
            let odd = ["a\u{0}b", "\u{0}", "ключ", "🚀\u{0}🚀"]
            for key in odd {
                try await flags.put(key, "f", options: KVPutOptions(expirationTTL: 60))
                try await tokens.put(key, "t")
            }
            #expect(try listAll(flags).count == odd.count)
            clock.advance(by: 60)
            let before = store.sequence
            try await store.sweepExpired()
            #expect(store.sequence == before + UInt64(odd.count))
            #expect(try store.statistics().keysPerNamespace == ["FLAGS": 0, "TOKENS": odd.count])
            for key in odd { #expect(try tokens.getText(key) == "t") }
        }
    }
}
