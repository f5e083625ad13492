import EdgeKV
import Synchronization
import Testing

private final class StopFlag: Sendable {
    private let stopped = Atomic<Bool>(false)
    var isStopped: Bool { stopped.load(ordering: .acquiring) }
    func stop() { stopped.store(true, ordering: .releasing) }
}

private struct WriterResult: Sendable {
    var putSequences: [UInt64] = []
    var deletes = 0
    var counter = 0
}

private struct ReaderResult: Sendable {
    var reads = 0
    var problems: [String] = []
}

@Suite("Concurrency")
struct ConcurrencyTests {
    static let writers = 32
    static let keysPerWriter = 200

    static func key(_ writer: Int, _ index: Int) -> String { "w\(writer)-k\(index)" }
    static func value(_ writer: Int, _ index: Int, _ version: Int) -> String { "w\(writer)-i\(index)-v\(version)" }
    /// The final state each key must end in: deleted, or the last version written.
    static func expectedFinal(_ writer: Int, _ index: Int) -> String? {
        if index % 7 == 0 { return nil }
        return value(writer, index, index % 5 == 0 ? 2 : 1)
    }

    @Test(.timeLimit(.minutes(1)))
    func concurrentWritersAndReadersLoseNoUpdateAndSequencesHaveNoGaps() async throws {
        // Fully durable, as in production: group commit with fsync.
        try await withStore(durable: true) { store, _ async throws in
            let flags = try #require(store.namespace("FLAGS"))
            let tokens = try #require(store.namespace("TOKENS"))
            let stop = StopFlag()
            let started = ContinuousClock.now

            // Readers: run for as long as the writers do, checking every value they see is one
            // that was actually written, and that each counter never goes backwards.
            let readers = Task {
                try await withThrowingTaskGroup(of: ReaderResult.self) { group in
                    for reader in 0..<8 {
                        group.addTask {
                            var result = ReaderResult()
                            var lastCounter = [Int](repeating: 0, count: Self.writers)
                            var step = reader
                            while !stop.isStopped || result.reads < 50 {
                                step &+= 7919
                                let w = step % Self.writers
                                let i = (step / Self.writers) % Self.keysPerWriter
                                let ns = i % 2 == 0 ? flags : tokens
                                let allowed = [Self.value(w, i, 1), Self.value(w, i, 2)]
                                if let text = try ns.getText(Self.key(w, i)), !allowed.contains(text) {
                                    result.problems.append("\(Self.key(w, i)) = \(text)")
                                }
                                let counter = try flags.getText("counter-\(w)").flatMap { Int($0) } ?? 0
                                if counter < lastCounter[w] { result.problems.append("counter-\(w) went back") }
                                lastCounter[w] = counter
                                if result.reads % 16 == 0 {
                                    let page = try ns.list(prefix: "w\(w)-", limit: 50)
                                    if page.keys.count > 50 { result.problems.append("page too long") }
                                    let bulk = try ns.get((0..<10).map { Self.key(w, (i + $0 * 2) % Self.keysPerWriter) })
                                    if bulk.count != 10 { result.problems.append("bulk size \(bulk.count)") }
                                }
                                result.reads += 1
                                await Task.yield()
                            }
                            return result
                        }
                    }
                    var all: [ReaderResult] = []
                    for try await result in group { all.append(result) }
                    return all
                }
            }

            let results = try await withThrowingTaskGroup(of: WriterResult.self) { group in
                for w in 0..<Self.writers {
                    group.addTask {
                        var result = WriterResult()
                        for i in 0..<Self.keysPerWriter {
                            let ns = i % 2 == 0 ? flags : tokens
                            let key = Self.key(w, i)
                            result.putSequences.append(try await ns.put(key, Self.value(w, i, 1)))
                            if i % 5 == 0 { result.putSequences.append(try await ns.put(key, Self.value(w, i, 2))) }
                            if i % 7 == 0 {
                                try await ns.delete(key)
                                result.deletes += 1
                            }
                            if i % 4 == 0 {
                                // Read-modify-write of a key only this writer touches.
                                let current = try flags.getText("counter-\(w)").flatMap { Int($0) } ?? 0
                                if current != result.counter { Issue.record("counter-\(w): read \(current), wrote \(result.counter)") }
                                result.counter = current + 1
                                result.putSequences.append(try await flags.put("counter-\(w)", String(result.counter)))
                            }
                        }
                        return result
                    }
                }
                var all: [WriterResult] = []
                for try await result in group { all.append(result) }
                return all
            }
            stop.stop()
            let readerResults = try await readers.value
            let elapsed = ContinuousClock.now - started
            print("concurrency: \(results.flatMap(\.putSequences).count) puts, \(readerResults.map(\.reads).reduce(0, +)) reads in \(elapsed)")

            // Readers saw only written values and ran throughout.
            #expect(readerResults.flatMap(\.problems) == [])
            #expect(readerResults.allSatisfy { $0.reads >= 50 })

            // No lost update: every key ends at its last write.
            for w in 0..<Self.writers {
                for i in 0..<Self.keysPerWriter {
                    let ns = i % 2 == 0 ? flags : tokens
                    let actual = try ns.getText(Self.key(w, i))
                    if actual != Self.expectedFinal(w, i) {
                        Issue.record("\(Self.key(w, i)): \(String(describing: actual))")
                    }
                }
                #expect(try flags.getText("counter-\(w)") == "50")
            }
            let expectedLive = (0..<Self.keysPerWriter).filter { $0 % 7 != 0 }.count * Self.writers
            #expect(try listAll(flags).count + listAll(tokens).count == expectedLive + Self.writers)

            // Sequences: unique, within 1...N, and together with the deletes they fill 1...N.
            let sequences = results.flatMap(\.putSequences)
            let deletes = results.map(\.deletes).reduce(0, +)
            let total = UInt64(sequences.count + deletes)
            #expect(sequences.count == Self.writers * (200 + 40 + 50))
            #expect(Set(sequences).count == sequences.count)
            #expect(sequences.allSatisfy { $0 >= 1 && $0 <= total })
            #expect(store.sequence == total)
            #expect(max(flags.sequence, tokens.sequence) == total)
            // Within one writer the sequences of its own puts strictly increase.
            for result in results {
                #expect(zip(result.putSequences, result.putSequences.dropFirst()).allSatisfy { $0 < $1 })
            }
        }
    }
}
