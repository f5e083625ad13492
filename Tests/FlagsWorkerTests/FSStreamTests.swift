import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Synchronization
import Testing

/// `GET /v1/stream/{envKey}`: server-sent events for every change to the environment's flags or
/// segments, within a second, whoever wrote it.
@Suite("FeatureSignals §5: the event stream")
struct FSStreamTests {
    /// Reads an SSE body in the background and keeps its events.
    final class EventReader: Sendable {
        final class Buffer: Sendable { let text = Mutex("") }
        private let buffer = Buffer()
        private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

        init(_ response: Response) {
            guard case .stream(let stream) = response.body else { return }
            let buffer = self.buffer
            let started = Task {
                for await chunk in stream { buffer.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) } }
            }
            task.withLock { $0 = started }
        }

        /// `(event, data)` of each complete event so far.
        var events: [(String, JSONValue)] {
            buffer.text.withLock { $0 }.components(separatedBy: "\n\n").compactMap { block in
                var event = "", data = JSONValue.null
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("event: ") { event = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data = (try? JSONValue.parse(String(line.dropFirst(6)))) ?? .null }
                }
                return event.isEmpty ? nil : (event, data)
            }
        }

        var raw: String { buffer.text.withLock { $0 } }

        func wait(within seconds: Double, _ match: ((String, JSONValue)) -> Bool) async -> (String, JSONValue)? {
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                if let found = events.first(where: match) { return found }
                try? await Task.sleep(nanoseconds: 10_000_000)
            }
            return nil
        }

        func stop() { task.withLock { $0?.cancel() } }
    }

    func open(_ fs: FSHarness, _ path: String, apiKey: String?) async -> (Response, EventReader) {
        var headers: Headers = [:]
        if let apiKey { headers["X-API-Key"] = apiKey }
        let response = await fs.base.harness.dispatch(Request(method: "GET", target: path, headers: headers))
        return (response, EventReader(response))
    }

    @Test func aClientSeesConnectedThenAFlagUpdateAfterAToggle() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let key = try await fs.apiKey(a)
        let created = try await fs.flag(a, ["key": "f", "name": "F"])
        let (response, reader) = await open(fs, "/v1/stream/production", apiKey: key)
        defer { reader.stop() }
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "text/event-stream")
        let connected = await reader.wait(within: 1) { $0.0 == "connected" }
        #expect(connected?.1 == ["env_id": .string(a.environments["production"]!)])

        let started = Date()
        try await fs.state(a, "f", ["enabled": true])
        let update = await reader.wait(within: 1) { $0.0 == "flag-update" }
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(update?.1 == ["type": "flag_update", "env_id": .string(a.environments["production"]!),
                              "flag_id": created["id"] ?? .null, "flag_key": "f", "action": "updated"])

        // Another environment's state is not this stream's business; a new flag and a segment are.
        try await fs.state(a, "f", env: "staging", ["enabled": true])
        try await fs.flag(a, ["key": "g", "name": "G"])
        _ = await fs.call("POST", "/v1/projects/\(a.projectID)/segments", bearer: a.access, json: ["key": "beta", "name": "Beta"])
        let segment = await reader.wait(within: 1) { $0.1["segment_key"] == "beta" }
        #expect(segment?.1["action"] == "segment_created")
        let updates = reader.events.filter { $0.0 == "flag-update" }
        #expect(updates.map { $0.1["flag_key"]?.stringValue ?? $0.1["segment_key"]?.stringValue ?? "" } == ["f", "g", "beta"])
        #expect(updates[1].1["action"] == "created")
    }

    @Test func aChangeWrittenByAnotherProcessReachesTheStream() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let key = try await fs.apiKey(a)
        try await fs.flag(a, ["key": "f", "name": "F"])
        let (_, reader) = await open(fs, "/v1/stream/production", apiKey: key)
        defer { reader.stop() }
        _ = await reader.wait(within: 1) { $0.0 == "connected" }
        // Straight into KV, as the CLI or a replica applying the origin's changes would: no API call.
        let production = try #require(a.environments["production"])
        let flags = try #require(fs.env.kv["FLAGS"])
        var state = try #require(try flags.getJSON("flag:\(a.projectID):f")?.objectValue)
        state["description"] = "edited elsewhere"
        _ = try await flags.put("flag:\(a.projectID):f", JSONValue.object(state).serialized())
        let update = await reader.wait(within: 1) { $0.0 == "flag-update" }
        #expect(update?.1["flag_key"] == "f")
        _ = try await flags.put("flagstate:\(a.projectID):f:\(production)",
                                JSONValue.object(["flag_key": "f", "env_id": .string(production), "enabled": true]).serialized())
        #expect(await reader.wait(within: 1) { $0.0 == "flag-update" && reader.events.filter { $0.0 == "flag-update" }.count == 2 } != nil)
        #expect(await fs.evaluate(key, "f").reason == "FALLTHROUGH")
    }

    @Test func heartbeatsAreComments() async throws {
        let fs = try await FSHarness(vars: ["SSE_HEARTBEAT_SECONDS": "1"])
        let a = try await fs.register()
        let key = try await fs.apiKey(a)
        let (_, reader) = await open(fs, "/v1/stream/production?api_key=\(key)", apiKey: nil)
        defer { reader.stop() }
        let deadline = Date().addingTimeInterval(3)
        while Date() < deadline, !reader.raw.contains(": heartbeat\n\n") { try? await Task.sleep(nanoseconds: 20_000_000) }
        #expect(reader.raw.hasPrefix("event: connected\n"))
        #expect(reader.raw.contains("\n\n: heartbeat\n\n"))
    }

    @Test func theStreamNeedsAKeyOfItsEnvironment() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let key = try await fs.apiKey(a)
        #expect(await fs.call("GET", "/v1/stream/production").json == ["error": "missing X-API-Key header"])
        let wrong = await fs.call("GET", "/v1/stream/dev", apiKey: key)
        #expect(wrong.status == 403)
        #expect(wrong.json == ["error": "API key does not belong to environment dev"])
    }
}
