import EdgeJSON
import EdgeKV
import Testing

/// Collects every chunk of a streamed value.
func collectChunks(_ value: KVValue?) async throws -> [[UInt8]] {
    guard case .stream(let stream)? = value else {
        Issue.record("expected a stream, got \(String(describing: value))")
        return []
    }
    var chunks: [[UInt8]] = []
    for await chunk in stream { chunks.append(chunk) }
    return chunks
}

@Suite("Get, put and delete")
struct ReadWriteTests {
    @Test func textValueRoundTripsAsText() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("greeting", "héllo wörld ✓")
            guard case .text(let text)? = try ns.get("greeting", type: .text) else {
                Issue.record("expected .text"); return
            }
            #expect(text == "héllo wörld ✓")
            #expect(try ns.getText("greeting") == "héllo wörld ✓")
            // The default type is text.
            #expect(try ns.get("greeting")?.text == "héllo wörld ✓")
        }
    }

    @Test func jsonValueIsParsedForTheJSONType() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("config", #"{"enabled":true,"rollout":[10,20.5],"name":"x","none":null}"#)
            let expected: JSONValue = ["enabled": true, "rollout": [10, 20.5], "name": "x", "none": nil]
            guard case .json(let value)? = try ns.get("config", type: .json) else {
                Issue.record("expected .json"); return
            }
            #expect(value == expected)
            #expect(try ns.getJSON("config") == expected)
            // The same bytes as text are untouched.
            #expect(try ns.getText("config") == #"{"enabled":true,"rollout":[10,20.5],"name":"x","none":null}"#)
        }
    }

    @Test func arrayBufferReturnsExactBytesIncludingInvalidUTF8() async throws {
        try await withFlags { ns, _ async throws in
            let bytes: [UInt8] = [0x00, 0xFF, 0xFE, 0x80, 0x41, 0x00, 0xC3]
            try await ns.put("binary", bytes)
            guard case .bytes(let read)? = try ns.get("binary", type: .arrayBuffer) else {
                Issue.record("expected .bytes"); return
            }
            #expect(read == bytes)
            #expect(try ns.getBytes("binary") == bytes)
        }
    }

    @Test func streamTypeDeliversA5MBValueInSeveralChunksThatReassembleExactly() async throws {
        try await withFlags { ns, _ async throws in
            let value = patternBytes(count: 5_000_000, seed: 42)
            try await ns.put("large", value)
            let chunks = try await collectChunks(try ns.get("large", type: .stream))
            #expect(chunks.count > 1)
            #expect(chunks.allSatisfy { !$0.isEmpty })
            let reassembled = chunks.flatMap { $0 }
            #expect(reassembled.count == value.count)
            #expect(reassembled == value)
        }
    }

    @Test func streamedPutStoresTheConcatenatedChunks() async throws {
        try await withFlags { ns, _ async throws in
            let parts: [[UInt8]] = [Array("abc".utf8), [], Array("défg".utf8), [0xFF]]
            let stream = AsyncThrowingStream<[UInt8], any Error> { continuation in
                for part in parts { continuation.yield(part) }
                continuation.finish()
            }
            try await ns.put("streamed", stream: stream)
            #expect(try ns.getBytes("streamed") == parts.flatMap { $0 })
        }
    }

    @Test func missingKeyIsNilForEveryReadType() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("present", "1")
            for type in [KVValueType.text, .json, .arrayBuffer, .stream] {
                #expect(try ns.get("absent", type: type) == nil)
                #expect(try ns.getWithMetadata("absent", type: type) == nil)
            }
            #expect(try ns.getText("absent") == nil)
            #expect(try ns.getJSON("absent") == nil)
            #expect(try ns.getBytes("absent") == nil)
        }
    }

    @Test func emptyValueIsStoredAndReadBackAsEmptyNotNil() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("empty", "")
            try await ns.put("emptyBytes", [UInt8]())
            #expect(try ns.getText("empty") == "")
            #expect(try ns.getBytes("emptyBytes") == [])
            guard case .text(let text)? = try ns.get("empty") else { Issue.record("expected .text"); return }
            #expect(text.isEmpty)
            #expect(try ns.getWithMetadata("emptyBytes", type: .arrayBuffer)?.value.bytes == [])
            #expect(try ns.list().keys.map(\.name) == ["empty", "emptyBytes"])
            #expect(try ns.get(["empty"])["empty"]??.text == "")
        }
    }

    @Test func lastWriteWins() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("k", "first")
            try await ns.put("k", String(repeating: "second", count: 10_000))
            try await ns.put("k", "third")
            #expect(try ns.getText("k") == "third")
            #expect(try ns.list().keys.map(\.name) == ["k"])
        }
    }

    @Test func deleteRemovesAKeyAndDeletingAMissingKeySucceeds() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("k", "v")
            try await ns.put("other", "stays")
            try await ns.delete("k")
            #expect(try ns.get("k") == nil)
            try await ns.delete("k")
            try await ns.delete("never-existed")
            #expect(try ns.list().keys.map(\.name) == ["other"])
            #expect(try ns.getText("other") == "stays")
        }
    }

    @Test func keysAreCaseSensitive() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("Key", "upper-first")
            try await ns.put("key", "lower")
            try await ns.put("KEY", "upper")
            #expect(try ns.getText("Key") == "upper-first")
            #expect(try ns.getText("key") == "lower")
            #expect(try ns.getText("KEY") == "upper")
            #expect(try ns.get("kEy") == nil)
            #expect(try ns.list(prefix: "k").keys.map(\.name) == ["key"])
            #expect(try ns.list(prefix: "K").keys.map(\.name) == ["KEY", "Key"])
        }
    }

    @Test func percentUnderscoreAndBackslashAreOrdinaryInPrefixes() async throws {
        try await withFlags { ns, _ async throws in
            for key in ["100%", "100%done", "1000", "100x", "user_1", "user_2", "userX1", "user1",
                        "path\\to", "path/to", "pathXto", "path\\\\x"] {
                try await ns.put(key, key)
            }
            #expect(try ns.list(prefix: "100%").keys.map(\.name) == ["100%", "100%done"])
            #expect(try ns.list(prefix: "user_").keys.map(\.name) == ["user_1", "user_2"])
            #expect(try ns.list(prefix: "path\\").keys.map(\.name) == ["path\\\\x", "path\\to"])
            #expect(try ns.list(prefix: "path\\\\").keys.map(\.name) == ["path\\\\x"])
            #expect(try ns.list(prefix: "%").keys.isEmpty)
            #expect(try ns.list(prefix: "_").keys.isEmpty)
            #expect(try ns.getText("100%") == "100%")
            #expect(try ns.getText("user_1") == "user_1")
        }
    }

    @Test func namespacesAreIsolated() async throws {
        try await withStore { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            let tokens = try #require(store.namespace("TOKENS"))
            #expect(store.namespace("UNKNOWN") == nil)
            try await flags.put("shared", "from-flags")
            #expect(try tokens.get("shared") == nil)
            try await tokens.put("shared", "from-tokens")
            #expect(try flags.getText("shared") == "from-flags")
            #expect(try tokens.getText("shared") == "from-tokens")
            try await flags.delete("shared")
            #expect(try tokens.getText("shared") == "from-tokens")
            #expect(try flags.list().keys.isEmpty)
        }
    }
}

@Suite("Metadata")
struct MetadataTests {
    @Test func metadataRoundTripsThroughGetWithMetadataAndList() async throws {
        try await withFlags { ns, _ async throws in
            let metadata: JSONValue = ["owner": "ops", "tags": ["a", "b"], "version": 3, "on": true, "nested": ["x": nil]]
            try await ns.put("flag", "value", options: KVPutOptions(metadata: metadata))
            let read = try #require(try ns.getWithMetadata("flag"))
            #expect(read.value.text == "value")
            #expect(read.metadata == metadata)
            for type in [KVValueType.text, .arrayBuffer, .stream] {
                #expect(try ns.getWithMetadata("flag", type: type)?.metadata == metadata)
            }
            #expect(try listed(ns.list().keys) == [Listed(name: "flag", expiration: nil, metadata: metadata)])
        }
    }

    @Test(arguments: [JSONValue.number(42), .string("just a string"), .array([1, "two"]), .bool(false)])
    func scalarAndArrayMetadataRoundTrip(metadata: JSONValue) async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("k", #"{"v":1}"#, options: KVPutOptions(metadata: metadata))
            let read = try #require(try ns.getWithMetadata("k", type: .json))
            #expect(read.value.json == ["v": 1])
            #expect(read.metadata == metadata)
            #expect(try ns.list().keys.first?.metadata == metadata)
        }
    }

    @Test func metadataIsNilWhenNoneWasStored() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("plain", "v")
            let read = try #require(try ns.getWithMetadata("plain"))
            #expect(read.value.text == "v")
            #expect(read.metadata == nil)
            #expect(try listed(ns.list().keys) == [Listed(name: "plain", expiration: nil, metadata: nil)])
        }
    }

    @Test func rePutWithoutMetadataRemovesIt() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("k", "v1", options: KVPutOptions(metadata: ["keep": false]))
            #expect(try ns.getWithMetadata("k")?.metadata == ["keep": false])
            try await ns.put("k", "v2")
            let read = try #require(try ns.getWithMetadata("k"))
            #expect(read.value.text == "v2")
            #expect(read.metadata == nil)
            #expect(try ns.list().keys.first?.metadata == nil)
        }
    }

    @Test func rePutWithOtherMetadataReplacesIt() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("k", "v1", options: KVPutOptions(metadata: ["n": 1]))
            try await ns.put("k", "v2", options: KVPutOptions(metadata: ["n": 2, "extra": "yes"]))
            #expect(try ns.getWithMetadata("k")?.metadata == ["n": 2, "extra": "yes"])
            #expect(try ns.list().keys.first?.metadata == ["n": 2, "extra": "yes"])
        }
    }
}
