import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

/// Issue 13 item 7: webhooks refused event names they did not know (the dashboard offers `flag.toggled`).
@Suite("FeatureSignals §6: webhooks take any event name")
struct FSWebhookEventTests {
    @Test func aWebhookMayNameAnyEventAndFlagToggledFiresWhenEnabledChanges() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let named = await fs.call("POST", "/v1/webhooks", bearer: a.access, json: [
            "url": "http://127.0.0.1:9/toggles", "events": ["flag.toggled", "flag.exploded"]])
        #expect(named.status == 201)
        #expect(named["events"] == ["flag.toggled", "flag.exploded"])
        let all = await fs.call("POST", "/v1/webhooks", bearer: a.access, json: ["url": "http://127.0.0.1:9/all", "events": ["*"]])
        #expect(all.status == 201)
        for bad: JSONValue in [[""], .array((0...100).map { .string("e\($0)") }), [.string(String(repeating: "e", count: 201))]] {
            let refused = await fs.call("POST", "/v1/webhooks", bearer: a.access, json: ["url": "http://127.0.0.1:9/x", "events": bad])
            #expect(refused.status == 400)
            #expect(refused.json == ["error": "events must be at most 100 names of 1 to 200 characters"])
        }

        // Each change's deliveries settle before the next, so they are in order.
        try await fs.flag(a, ["key": "f", "name": "F"])
        await fs.base.harness.settle()
        try await fs.state(a, "f", ["enabled": true])                     // toggled
        await fs.base.harness.settle()
        try await fs.state(a, "f", ["percentage_rollout": 5000])          // not toggled
        await fs.base.harness.settle()
        let production = try #require(a.environments["production"])
        _ = await fs.call("POST", "/v1/projects/\(a.projectID)/flags/f/kill", bearer: a.access, json: ["env_id": .string(production)])
        await fs.base.harness.settle()

        func events(_ path: String) -> [String] {
            fs.base.fetches.all.filter { $0.target.hasSuffix(path) }
                .compactMap { (try? JSONValue.parse($0.body))?["event"]?.stringValue }
        }
        #expect(events("/toggles") == ["flag.toggled", "flag.toggled"])
        #expect(fs.base.fetches.all.filter { $0.target.hasSuffix("/toggles") }
            .compactMap { (try? JSONValue.parse($0.body))?["data"]?["enabled"]?.boolValue } == [true, false])
        // `*` is the events the reference emits: one delivery per change, no repeated toggle.
        #expect(events("/all") == ["flag.created", "flag.state_updated", "flag.state_updated", "flag.killed"])
    }
}
