import EdgeJSON
import EdgeKV
import Testing

@Suite("List")
struct ListTests {
    @Test func keysComeInByteLexicographicOrderOfUTF8() async throws {
        try await withFlags { ns, _ async throws in
            // Inserted out of order; includes upper/lower case, punctuation, 2-, 3- and 4-byte UTF-8,
            // and characters where UTF-16 order differs from UTF-8 order (U+E000, U+FF61 vs U+1F600).
            let shuffled = ["😀", "b", "a", "中", "Z", "\u{FF61}", "A", "é", "aa", "_", "B", "\u{E000}", "z",
                            "~", "0", "a0", "ß", "ab", "Ā", " "]
            for key in shuffled { try await ns.put(key, key) }
            let expected = [" ", "0", "A", "B", "Z", "_", "a", "a0", "aa", "ab", "b", "z", "~",
                            "ß", "é", "Ā", "中", "\u{E000}", "\u{FF61}", "😀"]
            let listed = try ns.list().keys.map(\.name)
            #expect(listed == expected)
            // Cross-check against the byte order of the UTF-8 encodings.
            let byBytes = shuffled.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            #expect(listed.map { Array($0.utf8) } == byBytes.map { Array($0.utf8) })
            // Paging one key at a time walks the same order.
            #expect(try listAll(ns, limit: 1).map(\.name) == expected)
            #expect(try listAll(ns, limit: 3).map(\.name) == expected)
        }
    }

    @Test func canonicallyEquivalentKeysAreDistinctByteStrings() async throws {
        try await withFlags { ns, _ async throws in
            let composed = "caf\u{E9}"      // é as one scalar
            let decomposed = "cafe\u{301}"  // e + combining acute
            try await ns.put(composed, "composed")
            try await ns.put(decomposed, "decomposed")
            #expect(try ns.getBytes(composed) == Array("composed".utf8))
            #expect(try ns.getBytes(decomposed) == Array("decomposed".utf8))
            let names = try ns.list().keys.map { Array($0.name.utf8) }
            #expect(names == [Array(decomposed.utf8), Array(composed.utf8)])
        }
    }

    @Test func prefixSelectsOnlyKeysStartingWithIt() async throws {
        try await withFlags { ns, _ async throws in
            for key in ["flag:a", "flag:b", "flag", "flags", "fla", "other", "flag;", "Flag:c", "flag:b:x"] {
                try await ns.put(key, "v")
            }
            #expect(try ns.list(prefix: "flag:").keys.map(\.name) == ["flag:a", "flag:b", "flag:b:x"])
            #expect(try ns.list(prefix: "flag").keys.map(\.name) == ["flag", "flag:a", "flag:b", "flag:b:x", "flag;", "flags"])
            #expect(try ns.list(prefix: "flag:b").keys.map(\.name) == ["flag:b", "flag:b:x"])
            let none = try ns.list(prefix: "zzz")
            #expect(none.keys.isEmpty)
            #expect(none.listComplete)
            #expect(none.cursor == nil)
            #expect(try ns.list(prefix: "").keys.count == 9)
            #expect(try ns.list().keys.count == 9)
        }
    }

    @Test func paginationWithLimitWalksAllPagesUntilListComplete() async throws {
        try await withFlags { ns, _ async throws in
            let wanted = (0..<25).map { String(format: "item-%02d", $0) }
            for key in wanted.reversed() { try await ns.put(key, key) }
            for key in ["aaa", "item", "itemz", "zzz"] { try await ns.put(key, "noise") }

            var cursor: String? = nil
            var pages: [[String]] = []
            repeat {
                let page = try ns.list(prefix: "item-", limit: 10, cursor: cursor)
                pages.append(page.keys.map(\.name))
                if page.listComplete {
                    #expect(page.cursor == nil)
                    cursor = nil
                } else {
                    #expect(page.cursor != nil && page.cursor != "")
                    cursor = page.cursor
                }
            } while cursor != nil && pages.count < 10
            #expect(pages.count == 3)
            #expect(pages.map(\.count) == [10, 10, 5])
            #expect(pages.flatMap { $0 } == wanted)
        }
    }

    @Test func pageEndingExactlyAtTheLastKeyStillCompletesWithoutLosingKeys() async throws {
        try await withFlags { ns, _ async throws in
            let wanted = (0..<20).map { "k\(String(format: "%02d", $0))" }
            for key in wanted { try await ns.put(key, "v") }
            let first = try ns.list(limit: 10)
            #expect(first.keys.map(\.name) == Array(wanted.prefix(10)))
            #expect(first.listComplete == false)
            let second = try ns.list(limit: 10, cursor: first.cursor)
            #expect(second.keys.map(\.name) == Array(wanted.suffix(10)))
            if !second.listComplete {
                // Allowed by the contract; the next page must then be empty and complete.
                let third = try ns.list(limit: 10, cursor: second.cursor)
                #expect(third.keys.isEmpty)
                #expect(third.listComplete)
            }
        }
    }

    @Test func cursorContinuesAfterItsKeySoKeysInsertedBetweenPagesAfterItAppear() async throws {
        try await withFlags { ns, _ async throws in
            for key in ["b", "d", "f", "h"] { try await ns.put(key, "v") }
            let first = try ns.list(limit: 2)
            #expect(first.keys.map(\.name) == ["b", "d"])
            #expect(first.listComplete == false)
            let cursor = try #require(first.cursor)

            // Between pages: keys before the cursor, after it, and the removal of one later key.
            for key in ["a", "c", "d", "d0", "e", "g", "z"] { try await ns.put(key, "new") }
            try await ns.delete("f")

            let rest = try ns.list(limit: 1000, cursor: cursor)
            #expect(rest.keys.map(\.name) == ["d0", "e", "g", "h", "z"])
            #expect(rest.listComplete)
        }
    }

    @Test func cursorStillWorksWhenItsOwnKeyWasDeleted() async throws {
        try await withFlags { ns, _ async throws in
            for key in ["k1", "k2", "k3", "k4"] { try await ns.put(key, "v") }
            let first = try ns.list(limit: 2)
            #expect(first.keys.map(\.name) == ["k1", "k2"])
            try await ns.delete("k2")
            let rest = try ns.list(limit: 2, cursor: first.cursor)
            #expect(rest.keys.map(\.name) == ["k3", "k4"])
        }
    }

    @Test func cursorWithPrefixStaysInsideThePrefix() async throws {
        try await withFlags { ns, _ async throws in
            for key in ["p:1", "p:2", "p:3", "q:1", "o:9"] { try await ns.put(key, "v") }
            let first = try ns.list(prefix: "p:", limit: 2)
            #expect(first.keys.map(\.name) == ["p:1", "p:2"])
            let rest = try ns.list(prefix: "p:", limit: 2, cursor: first.cursor)
            #expect(rest.keys.map(\.name) == ["p:3"])
            #expect(rest.listComplete)
        }
    }

    @Test func garbageCursorIsRejected() async throws {
        try await withFlags { ns, _ async throws in
            try await ns.put("a", "v")
            #expect(throws: kvError("list", 400, "Invalid cursor.")) { try ns.list(cursor: "not a cursor!") }
        }
    }

    @Test func expirationIsReportedAsAbsoluteSecondsAndDoesNotCountDown() async throws {
        let clock = TestClock(1_700_000_000)
        try await withFlags(clock: clock) { ns, _ async throws in
            try await ns.put("ttl", "v", options: KVPutOptions(expirationTTL: 300))
            try await ns.put("abs", "v", options: KVPutOptions(expiration: 1_800_000_000, metadata: ["m": "x"]))
            try await ns.put("forever", "v")
            let expected = [
                Listed(name: "abs", expiration: 1_800_000_000, metadata: ["m": "x"]),
                Listed(name: "forever", expiration: nil, metadata: nil),
                Listed(name: "ttl", expiration: 1_700_000_300, metadata: nil),
            ]
            #expect(try listed(ns.list().keys) == expected)
            clock.advance(by: 120)
            #expect(try listed(ns.list().keys) == expected)
        }
    }
}
