import EdgeJSON
import EdgeKV
import Testing

/// Every row of the contract's error table (spec §2), with exact statuses and messages.
@Suite("Limits and errors")
struct LimitsAndErrorsTests {
    // MARK: Keys

    @Test func emptyKeyIsRejectedBy400OnEveryOperation() async throws {
        try await withFlags { ns, store async throws in
            let message = "Key name cannot be empty."
            await #expect(throws: kvError("put", 400, message)) { try await ns.put("", "v") }
            #expect(throws: kvError("get", 400, message)) { try ns.get("") }
            #expect(throws: kvError("get", 400, message)) { try ns.getWithMetadata("") }
            #expect(throws: kvError("get", 400, message)) { try ns.getText("") }
            #expect(throws: kvError("get", 400, message)) { try ns.get(["ok", ""]) }
            await #expect(throws: kvError("delete", 400, message)) { try await ns.delete("") }
            #expect(store.sequence == 0)
        }
    }

    @Test(arguments: [".", ".."])
    func dotAndDotDotAreNotAllowedAsKeyNames(key: String) async throws {
        try await withFlags { ns, _ async throws in
            let message = "\"\(key)\" is not allowed as a key name."
            await #expect(throws: kvError("put", 400, message)) { try await ns.put(key, "v") }
            #expect(throws: kvError("get", 400, message)) { try ns.get(key) }
            await #expect(throws: kvError("delete", 400, message)) { try await ns.delete(key) }
            // Keys that merely contain dots are ordinary.
            try await ns.put(key + "x", "dot-prefixed")
            try await ns.put("a" + key, "dotted")
            #expect(try ns.getText(key + "x") == "dot-prefixed")
            #expect(try ns.getText("a" + key) == "dotted")
        }
    }

    @Test func keyOf512BytesIsRejectedWith414AndExactMessage() async throws {
        try await withFlags { ns, store async throws in
            let key = String(repeating: "k", count: 512)
            let error = kvError("put", 414, "UTF-8 encoded length of 512 exceeds key length limit of 511.")
            await #expect(throws: error) { try await ns.put(key, "v") }
            #expect(throws: kvError("get", 414, "UTF-8 encoded length of 512 exceeds key length limit of 511.")) {
                try ns.get(key)
            }
            #expect(store.sequence == 0)
        }
    }

    @Test func keyOf511BytesIsAcceptedAndListed() async throws {
        try await withFlags { ns, _ async throws in
            let key = String(repeating: "k", count: 511)
            try await ns.put(key, "longest")
            #expect(try ns.getText(key) == "longest")
            #expect(try ns.list().keys.map(\.name) == [key])
            try await ns.delete(key)
            #expect(try ns.get(key) == nil)
        }
    }

    @Test func multiByteKeyLengthIsCountedInUTF8Bytes() async throws {
        try await withFlags { ns, _ async throws in
            // 256 characters, 512 bytes: rejected although only 256 characters long.
            let twoByte = String(repeating: "é", count: 256)
            await #expect(throws: kvError("put", 414, "UTF-8 encoded length of 512 exceeds key length limit of 511.")) {
                try await ns.put(twoByte, "v")
            }
            // 128 four-byte scalars: 512 bytes.
            let emoji = String(repeating: "🚀", count: 128)
            await #expect(throws: kvError("put", 414, "UTF-8 encoded length of 512 exceeds key length limit of 511.")) {
                try await ns.put(emoji, "v")
            }
            let long = String(repeating: "€", count: 200)
            await #expect(throws: kvError("put", 414, "UTF-8 encoded length of 600 exceeds key length limit of 511.")) {
                try await ns.put(long, "v")
            }
            // 170 three-byte scalars plus one ASCII byte: exactly 511 bytes.
            let fits = String(repeating: "€", count: 170) + "a"
            #expect(fits.utf8.count == 511)
            try await ns.put(fits, "fits")
            #expect(try ns.getText(fits) == "fits")
        }
    }

    // MARK: Values

    @Test func valueOneByteOver25MiBIsRejectedWith413() async throws {
        try await withFlags { ns, store async throws in
            let message = "Value length of 26214401 exceeds limit of 26214400."
            let bytes = [UInt8](repeating: 0x61, count: 26_214_401)
            await #expect(throws: kvError("put", 413, message)) { try await ns.put("big", bytes) }
            let text = String(decoding: bytes, as: UTF8.self)
            await #expect(throws: kvError("put", 413, message)) { try await ns.put("big", text) }
            #expect(try ns.get("big") == nil)
            #expect(store.sequence == 0)
        }
    }

    @Test func streamedValueOver25MiBIsRejectedWith413() async throws {
        try await withFlags { ns, store async throws in
            let chunk = [UInt8](repeating: 7, count: 1 << 20)
            let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
                for _ in 0..<25 { continuation.yield(chunk) }
                continuation.yield([1])
                continuation.finish()
            }
            await #expect(throws: kvError("put", 413, "Value length of 26214401 exceeds limit of 26214400.")) {
                try await ns.put("streamed", stream: stream)
            }
            #expect(try ns.get("streamed") == nil)
            #expect(store.sequence == 0)
        }
    }

    // MARK: Metadata

    @Test func metadataOver1024BytesIsRejectedWith413() async throws {
        try await withFlags { ns, store async throws in
            // A JSON string of 1023 characters serializes to 1025 bytes with its quotes.
            let tooBig: JSONValue = .string(String(repeating: "m", count: 1023))
            await #expect(throws: kvError("put", 413, "Metadata length of 1025 exceeds limit of 1024.")) {
                try await ns.put("k", "v", options: KVPutOptions(metadata: tooBig))
            }
            #expect(try ns.get("k") == nil)
            #expect(store.sequence == 0)

            let justFits: JSONValue = .string(String(repeating: "m", count: 1022))
            try await ns.put("k", "v", options: KVPutOptions(metadata: justFits))
            #expect(try ns.getWithMetadata("k")?.metadata == justFits)
        }
    }

    // MARK: Expiration

    @Test(arguments: [Int64(0), -5])
    func nonPositiveExpirationTTLIsRejected(ttl: Int64) async throws {
        try await withFlags { ns, store async throws in
            await #expect(throws: kvError("put", 400, "Invalid expiration_ttl of \(ttl). Please specify integer greater than 0.")) {
                try await ns.put("k", "v", options: KVPutOptions(expirationTTL: ttl))
            }
            #expect(try ns.get("k") == nil)
            #expect(store.sequence == 0)
        }
    }

    @Test func expirationTTLBelow60IsRejectedAnd60IsAccepted() async throws {
        let clock = TestClock()
        try await withFlags(clock: clock) { ns, _ async throws in
            await #expect(throws: kvError("put", 400, "Invalid expiration_ttl of 59. Expiration TTL must be at least 60.")) {
                try await ns.put("k", "v", options: KVPutOptions(expirationTTL: 59))
            }
            #expect(try ns.get("k") == nil)
            try await ns.put("k", "v", options: KVPutOptions(expirationTTL: 60))
            #expect(try ns.list().keys.first?.expiration == clock.nowSeconds + 60)
        }
    }

    @Test func expirationTTLGivenAsTextIsParsedWithWorkersKVMessages() throws {
        for text in ["0", "-5", "abc", "1.5", "", "60s"] {
            #expect(throws: kvError("put", 400, "Invalid expiration_ttl of \(text). Please specify integer greater than 0.")) {
                try KVLimits.parseExpirationTTL(text)
            }
        }
        #expect(try KVLimits.parseExpirationTTL("59") == 59)
        #expect(try KVLimits.parseExpirationTTL("3600") == 3600)
        // A parsed 59 is then refused by the put rule.
        #expect(throws: kvError("put", 400, "Invalid expiration_ttl of 59. Expiration TTL must be at least 60.")) {
            try KVLimits.resolveExpiration(expiration: nil, expirationTTL: try KVLimits.parseExpirationTTL("59"), now: 1000)
        }
    }

    @Test func expirationGivenAsTextIsParsedWithWorkersKVMessage() throws {
        for text in ["abc", "-1", "0", "12.5"] {
            #expect(throws: kvError("put", 400,
                "Invalid expiration of \(text). Please specify integer greater than the current number of seconds since the UNIX epoch.")) {
                try KVLimits.parseExpiration(text)
            }
        }
        #expect(try KVLimits.parseExpiration("1700000060") == 1_700_000_060)
    }

    @Test func expirationInThePastOrNowIsRejected() async throws {
        let clock = TestClock(1_700_000_000)
        try await withFlags(clock: clock) { ns, store async throws in
            for expiration: Int64 in [1_699_999_990, 1_700_000_000, 1] {
                await #expect(throws: kvError("put", 400,
                    "Invalid expiration of \(expiration). Please specify integer greater than the current number of seconds since the UNIX epoch.")) {
                    try await ns.put("k", "v", options: KVPutOptions(expiration: expiration))
                }
            }
            #expect(try ns.get("k") == nil)
            #expect(store.sequence == 0)
        }
    }

    @Test func expirationLessThan60SecondsAheadIsRejectedAnd60IsAccepted() async throws {
        let clock = TestClock(1_700_000_000)
        try await withFlags(clock: clock) { ns, _ async throws in
            for expiration: Int64 in [1_700_000_001, 1_700_000_059] {
                await #expect(throws: kvError("put", 400,
                    "Invalid expiration of \(expiration). Expiration times must be at least 60 seconds in the future.")) {
                    try await ns.put("k", "v", options: KVPutOptions(expiration: expiration))
                }
            }
            #expect(try ns.get("k") == nil)
            try await ns.put("k", "v", options: KVPutOptions(expiration: 1_700_000_060))
            #expect(try listed(ns.list().keys) == [Listed(name: "k", expiration: 1_700_000_060, metadata: nil)])
        }
    }

    // MARK: List and bulk get

    @Test(arguments: [(0, "greater than 0"), (-1, "greater than 0"), (1001, "less than 1000")])
    func listLimitOutOfRangeIsRejected(limit: Int, phrase: String) async throws {
        try await withFlags { ns, _ async throws in
            #expect(throws: kvError("list", 400, "Invalid key_count_limit of \(limit). Please specify an integer \(phrase).")) {
                try ns.list(limit: limit)
            }
        }
    }

    @Test func listLimitsOf1And1000AreAccepted() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("a", "1")
            try await ns.put("b", "2")
            let one = try ns.list(limit: 1)
            #expect(one.keys.map(\.name) == ["a"])
            #expect(one.listComplete == false)
            let all = try ns.list(limit: 1000)
            #expect(all.keys.map(\.name) == ["a", "b"])
            #expect(all.listComplete)
        }
    }

    @Test func bulkGetOfZeroKeysIsRejected() async throws {
        try await withFlags { ns, _ async throws in
            #expect(throws: kvError("get", 400, "You must request a minimum of 1 key")) { try ns.get([String]()) }
            #expect(throws: kvError("get", 400, "You must request a minimum of 1 key")) { try ns.get([String](), type: .json) }
        }
    }

    @Test func bulkGetOf101KeysIsRejectedAnd100Accepted() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("k0", "zero")
            let keys101 = (0..<101).map { "k\($0)" }
            #expect(throws: kvError("get", 400, "You can request a maximum of 100 keys")) { try ns.get(keys101) }
            let result = try ns.get(Array(keys101.prefix(100)))
            #expect(result.count == 100)
            #expect(result["k0"]??.text == "zero")
            #expect(result.keys.contains("k1") && result["k1"]! == nil)
        }
    }

    @Test func bulkJSONGetOfNonJSONValueIsRejected() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("good", #"{"a":1}"#)
            try await ns.put("bad", "not json {")
            #expect(throws: kvError("get", 400, "At least one of the requested keys corresponds to a non-json value")) {
                try ns.get(["good", "bad"], type: .json)
            }
            // Without the bad key the same call succeeds, missing keys map to nil.
            let result = try ns.get(["good", "missing"], type: .json)
            #expect(result["good"]??.json == ["a": 1])
            #expect(result.keys.contains("missing") && result["missing"]! == nil)
            // As text, the non-JSON value is fine.
            #expect(try ns.get(["bad"], type: .text)["bad"]??.text == "not json {")
        }
    }

    @Test func singleJSONGetOfNonJSONValueIsA400() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("bad", "nope")
            let error = #expect(throws: KVError.self) { try ns.get("bad", type: .json) }
            #expect(error?.status == 400)
            #expect(try ns.getText("bad") == "nope")
        }
    }

    @Test func rejectedWritesLeaveNoTraceInSequenceOrData() async throws {
        try await withFlags { ns, store async throws in
            try await ns.put("keep", "v1", options: KVPutOptions(metadata: ["m": 1]))
            let before = store.sequence
            let nsBefore = ns.sequence
            await #expect(throws: KVError.self) { try await ns.put("keep", "v2", options: KVPutOptions(expirationTTL: 10)) }
            await #expect(throws: KVError.self) {
                try await ns.put("keep", "v2", options: KVPutOptions(metadata: .string(String(repeating: "x", count: 2000))))
            }
            #expect(store.sequence == before)
            #expect(ns.sequence == nsBefore)
            let read = try #require(try ns.getWithMetadata("keep"))
            #expect(read.value.text == "v1")
            #expect(read.metadata == ["m": 1])
        }
    }
}
