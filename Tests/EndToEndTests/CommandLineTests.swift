import EdgeJSON
import EdgeKV
import Foundation
import Testing

@Suite("End to end: the edgeworker binary", .serialized)
struct CommandLineTests {
    @Test func kvPutGetListDeleteRoundTrip() throws {
        let dir = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        #expect(try EdgeworkerBinary.run(["kv", "key", "put", "greeting", "hello", "--binding", "FLAGS",
                                          "--metadata", #"{"owner":"ops"}"#], in: dir).status == 0)
        let get = try EdgeworkerBinary.run(["kv", "key", "get", "greeting", "--binding", "FLAGS"], in: dir)
        #expect(get.status == 0)
        #expect(get.out == "hello")
        let list = try EdgeworkerBinary.run(["kv", "key", "list", "--binding", "FLAGS"], in: dir)
        #expect(try JSONValue.parse(list.out) == [["name": "greeting", "metadata": ["owner": "ops"]]])
        #expect(try EdgeworkerBinary.run(["kv", "key", "delete", "greeting", "--binding", "FLAGS"], in: dir).status == 0)
        let missing = try EdgeworkerBinary.run(["kv", "key", "get", "greeting", "--binding", "FLAGS"], in: dir)
        #expect(missing.status == 1)
        #expect(missing.out.contains("Value not found"))
    }

    @Test func kvErrorsUseWorkersKVMessagesAndExitNonZero() throws {
        let dir = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let ttl = try EdgeworkerBinary.run(["kv", "key", "put", "k", "v", "--binding", "FLAGS", "--expiration-ttl", "30"], in: dir)
        #expect(ttl.status != 0)
        #expect(ttl.err.contains("Invalid expiration_ttl of 30. Expiration TTL must be at least 60."))
        let binding = try EdgeworkerBinary.run(["kv", "key", "put", "k", "v", "--binding", "NOPE"], in: dir)
        #expect(binding.status != 0)
        #expect(binding.err.contains("No KV namespace with binding \"NOPE\""))
    }

    @Test func bulkPutAndDeleteTakeWranglersFormat() throws {
        let dir = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bulk = #"[{"key":"a","value":"1"},{"key":"b","value":"aGk=","base64":true,"metadata":{"m":1}},{"key":"c","value":"3","expiration_ttl":3600}]"#
        try bulk.write(toFile: dir + "/bulk.json", atomically: true, encoding: .utf8)
        #expect(try EdgeworkerBinary.run(["kv", "bulk", "put", "bulk.json", "--binding", "FLAGS"], in: dir).status == 0)
        #expect(try EdgeworkerBinary.run(["kv", "key", "get", "b", "--binding", "FLAGS"], in: dir).out == "hi")
        let listed = try JSONValue.parse(try EdgeworkerBinary.run(["kv", "key", "list", "--binding", "FLAGS"], in: dir).out)
        #expect(listed.arrayValue?.count == 3)
        #expect(listed.arrayValue?[2]["expiration"] != nil)
        try #"["a","b"]"#.write(toFile: dir + "/delete.json", atomically: true, encoding: .utf8)
        #expect(try EdgeworkerBinary.run(["kv", "bulk", "delete", "delete.json", "--binding", "FLAGS"], in: dir).status == 0)
        let after = try JSONValue.parse(try EdgeworkerBinary.run(["kv", "key", "list", "--binding", "FLAGS"], in: dir).out)
        #expect(after == [["name": "c", "expiration": listed.arrayValue?[2]["expiration"] ?? nil]])
    }

    @Test func snapshotCreateAndRestoreRoundTrip() throws {
        let dir = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try EdgeworkerBinary.run(["kv", "key", "put", "kept", "v1", "--binding", "FLAGS"], in: dir)
        let created = try EdgeworkerBinary.run(["snapshot", "create", "backup.mdb"], in: dir)
        #expect(created.status == 0)
        #expect(created.out.contains("sequence 1"))
        try EdgeworkerBinary.run(["kv", "key", "put", "later", "v2", "--binding", "FLAGS"], in: dir)
        #expect(try EdgeworkerBinary.run(["snapshot", "restore", "backup.mdb"], in: dir).status == 0)
        let list = try JSONValue.parse(try EdgeworkerBinary.run(["kv", "key", "list", "--binding", "FLAGS"], in: dir).out)
        #expect(list == [["name": "kept"]])
    }

    @Test func serveAnswersHealthAndStopsCleanlyOnSIGTERM() throws {
        let dir = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (process, port) = try EdgeworkerBinary.serve(in: dir)
        let health = try curl(["http://127.0.0.1:\(port)/health"])
        #expect(try JSONValue.parse(health) == ["status": "ok", "environment": "e2e"])
        // The CLI writes to the store the server has open; the server sees it.
        #expect(try EdgeworkerBinary.run(["kv", "key", "put", "while-serving", "x", "--binding", "FLAGS"], in: dir).status == 0)
        let unknown = try curl(["-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(port)/nope"])
        #expect(unknown == "404")
        process.terminate()  // SIGTERM
        process.waitUntilExit()
        #expect(process.terminationReason == .exit)
        #expect(process.terminationStatus == 0)
    }

    /// However early SIGTERM comes — before the store is open, while the server starts, just after —
    /// serve exits by itself, cleanly, instead of losing the signal on a thread that ignores it.
    @Test func sigtermAtAnyMomentOfStartUpStopsServe() async throws {
        let dir = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for delay in [0, 5, 20, 50, 100, 200, 400] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: EdgeworkerBinary.path)
            process.arguments = ["serve", "--port", "0"]
            process.currentDirectoryURL = URL(fileURLWithPath: dir)
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            try await Task.sleep(nanoseconds: UInt64(delay) * 1_000_000)
            process.terminate()
            let deadline = Date().addingTimeInterval(10)
            while process.isRunning && Date() < deadline { try await Task.sleep(nanoseconds: 20_000_000) }
            #expect(!process.isRunning, "SIGTERM \(delay) ms after start was lost")
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            _ = try await offPool { process.waitUntilExit() }
            // Once main has begun (well before 100 ms), the signal is handled: a clean exit.
            if delay >= 100 {
                #expect(process.terminationReason == .exit && process.terminationStatus == 0, "SIGTERM \(delay) ms after start")
            }
        }
    }

    @Test func brokenConfigFailsWithItsLineNumber() throws {
        let dir = try EdgeworkerBinary.makeWorkspace()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "name = \"x\"\nmain = \"HealthWorker\"\nbroken = \"unterminated\n".write(toFile: dir + "/wrangler-like.toml", atomically: true, encoding: .utf8)
        let result = try EdgeworkerBinary.run(["kv", "namespace", "list"], in: dir)
        #expect(result.status != 0)
        #expect(result.err.contains("wrangler-like.toml:3"))
    }
}
