import EdgeKV
import Foundation
import Synchronization
import Testing

/// Durability under SIGKILL: a process doing durable puts is killed at random moments; every put it
/// acknowledged must be there after reopening, with its exact value, and the store must open cleanly.
@Suite("End to end: crash safety", .serialized)
struct CrashTests {
    @Test func acknowledgedPutsSurviveSIGKILL() async throws {
        let dir = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var generator = SystemRandomNumberGenerator()
        var totalAcked = 0
        for round in 0..<5 {
            let prefix = "r\(round)-"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: EdgeworkerBinary.path)
            process.arguments = ["kv", "load", "--binding", "FLAGS", "--writers", "16", "--count", "1000000",
                                 "--prefix", prefix, "--value-bytes", "64", "--ack"]
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let received = Received()
            let reader = Task.detached {
                while true {
                    let data = out.fileHandleForReading.availableData
                    if data.isEmpty { break }
                    received.append(data)
                }
            }
            // Killed at a random moment once the writer is acknowledging puts (the first ack is the
            // observable start; the random delay after it is the point of the test, not an ordering).
            let deadline = Date().addingTimeInterval(30)
            while !received.sawAck && Date() < deadline && process.isRunning {
                try await Task.sleep(nanoseconds: 5_000_000)
            }
            try await Task.sleep(nanoseconds: UInt64.random(in: 0...600_000_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            await reader.value
            let acked = received.text
                .split(separator: "\n").filter { $0.hasPrefix("ack ") && !$0.dropFirst(4).isEmpty }
                .map { String($0.dropFirst(4)) }
            #expect(!acked.isEmpty, "round \(round): the writer acknowledged nothing before it was killed")
            totalAcked += acked.count

            let store = try KVStore(directory: dir + "/store", namespaces: ["flags", "tokens"])
            let ns = try #require(store.namespace("flags"))
            for key in acked {
                let value = try ns.getText(key)
                #expect(value?.hasPrefix("\(key)=") == true, "acknowledged \(key) lost or wrong after SIGKILL")
                #expect(value?.utf8.count == 64)
            }
            // Nothing half-written: every key of this round holds a whole value.
            var cursor: String?
            repeat {
                let page = try ns.list(prefix: prefix, cursor: cursor)
                for key in page.keys {
                    let value = try ns.getText(key.name)
                    #expect(value?.hasPrefix("\(key.name)=") == true && value?.utf8.count == 64)
                }
                cursor = page.listComplete ? nil : page.cursor
            } while cursor != nil
            store.close()
        }
        #expect(totalAcked > 0)
    }
}

/// What the writer printed so far, appended from the reading task, read by the test.
private final class Received: Sendable {
    private let data = Mutex(Data())
    private let ack = Atomic<Bool>(false)
    func append(_ more: Data) {
        data.withLock { $0.append(more) }
        if !sawAck, String(decoding: more, as: UTF8.self).contains("ack ") { ack.store(true, ordering: .releasing) }
    }
    /// Whether an acknowledgement has been printed (a line `ack <key>`).
    var sawAck: Bool { ack.load(ordering: .acquiring) }
    var text: String { String(decoding: data.withLock { $0 }, as: UTF8.self) }
}
