import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// `GET /ofrep/v1/events` (ADR-0008): `refetchEvaluation` within a second of any change the
/// credential can see, whoever wrote it, and nothing for what it cannot see.
@Suite("OFREP: change notification over server-sent events")
struct OFREPEventStreamTests {
    typealias Reader = FSStreamTests.EventReader

    func open(_ api: FlagsHarness, query: String = "", headers: Headers) async -> (Response, Reader) {
        let response = await api.harness.dispatch(Request(method: "GET", target: "/ofrep/v1/events" + query, headers: headers))
        return (response, Reader(response))
    }

    /// How many `refetchEvaluation` events arrived so far.
    func refetches(_ reader: Reader) -> Int { reader.raw.components(separatedBy: "\"type\":\"refetchEvaluation\"").count - 1 }

    func waitForRefetches(_ reader: Reader, _ count: Int, within seconds: Double = 1) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if refetches(reader) >= count { return true }
            try? await Task.sleep(nanoseconds: 10_000_000)
        }
        return refetches(reader) >= count
    }

    @Test func aTokensStreamSaysRefetchWithinASecondOfAChange() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "checkout", "enabled": true, "value": "v1"])
        let sdk = try await api.token(["read:flags"])
        let (response, reader) = await open(api, headers: ["Authorization": "Bearer \(sdk)"])
        defer { reader.stop() }
        #expect(response.status == 200)
        #expect(response.headers["Content-Type"] == "text/event-stream")
        let started = Date()
        #expect(await api.call("PUT", "/api/v1/flags/checkout", json: ["value": "v2"]).status == 200)
        #expect(await waitForRefetches(reader, 1))
        #expect(Date().timeIntervalSince(started) < 1)
        #expect(reader.raw.contains("data: {\"lastModified\":"))
        #expect(reader.raw.contains("\"type\":\"refetchEvaluation\"}\n\n"))
        // Written straight into KV, as the CLI or a replica would: the poll of the sequence sees it.
        let flags = try #require(api.env.kv["FLAGS"])
        var record = try #require(try flags.getJSON("flag:default:checkout")?.objectValue)
        record["value"] = "v3"
        _ = try await flags.put("flag:default:checkout", JSONValue.object(record).serialized())
        #expect(await waitForRefetches(reader, 2))
        // The browser form: the credential in the query.
        let (queried, second) = await open(api, query: "?api_key=\(sdk)", headers: [:])
        defer { second.stop() }
        #expect(queried.status == 200)
        #expect(await open(api, headers: [:]).0.status == 401)
    }

    @Test func aKeysStreamIgnoresOtherEnvironmentsAndOtherProjects() async throws {
        let fs = try await FSHarness()
        let account = try await fs.register()
        let key = try await fs.apiKey(account)
        try await fs.flag(account, ["key": "f", "name": "F"])
        let (response, reader) = await open(fs.base, headers: ["X-API-Key": key])
        defer { reader.stop() }
        #expect(response.status == 200)
        // Another environment's state, another project's flag: nothing to refetch.
        try await fs.state(account, "f", env: "staging", ["enabled": true])
        await fs.base.createFlag(["key": "elsewhere", "enabled": true, "value": true])
        // Its own environment's state: a refetch, and only that one.
        try await fs.state(account, "f", ["enabled": true])
        #expect(await waitForRefetches(reader, 1))
        // Events arrive in commit order: once a later change of its own has been announced, any
        // event for the earlier, unseen changes would already be here.
        try await fs.state(account, "f", ["enabled": false])
        #expect(await waitForRefetches(reader, 2))
        #expect(refetches(reader) == 2)
    }
}
