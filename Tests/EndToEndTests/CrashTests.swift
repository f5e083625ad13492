import EdgeKV
import Foundation
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
            let reader = Task.detached { out.fileHandleForReading.readDataToEndOfFile() }
            try await Task.sleep(nanoseconds: UInt64.random(in: 300_000_000...900_000_000, using: &generator))
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal)
            let acked = String(decoding: await reader.value, as: UTF8.self)
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
