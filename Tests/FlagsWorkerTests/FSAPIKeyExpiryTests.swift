import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

/// Issue 13 item 7: `expires_in_days` was ignored, so a key meant to expire never did.
@Suite("FeatureSignals §6: API keys expire")
struct FSAPIKeyExpiryTests {
    func createKey(_ fs: FSHarness, _ account: FSAccount, _ extra: [String: JSONValue]) async throws -> APIResponse {
        var body: [String: JSONValue] = ["name": "ci", "type": "server"]
        for (field, value) in extra { body[field] = value }
        let envID = try #require(account.environments["production"])
        return await fs.call("POST", "/v1/environments/\(envID)/api-keys", bearer: account.access, json: .object(body))
    }

    @Test func aKeyCreatedToExpireIsRefusedWith401OnceItHas() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let created = try await createKey(fs, a, ["expires_in_days": 7])
        #expect(created.status == 201)
        let expiresAt = try #require(created["expires_at"]?.stringValue)
        #expect(expiresAt == Timestamp.format(fs.clock.now + 7 * 86_400))
        let key = try #require(created["key"]?.stringValue)
        let forever = try await fs.apiKey(a)
        let listed = await fs.call("GET", "/v1/environments/\(a.environments["production"] ?? "")/api-keys", bearer: a.access)
        #expect(listed.json.arrayValue?.first { $0["id"] == created["id"] }?["expires_at"] == .string(expiresAt))

        fs.clock.advance(by: 7 * 86_400 - 1)
        #expect(await fs.call("POST", "/v1/evaluate", apiKey: key, json: ["flag_key": "f", "context": ["key": "u"]]).status == 200)
        fs.clock.advance(by: 1)
        let refused = await fs.call("POST", "/v1/evaluate", apiKey: key, json: ["flag_key": "f", "context": ["key": "u"]])
        #expect(refused.status == 401)
        #expect(refused.json == ["error": "invalid API key"])
        #expect(await fs.call("GET", "/v1/client/production/flags?key=u", apiKey: key).status == 401)
        #expect(await fs.call("POST", "/v1/track", apiKey: key, json: ["flag_key": "f"]).status == 401)
        // A key created without an expiry, at the same time, goes on working.
        #expect(await fs.call("POST", "/v1/evaluate", apiKey: forever, json: ["flag_key": "f", "context": ["key": "u"]]).status == 200)
    }

    /// Keys stored before `expires_at` existed have the same record as these: they never expire.
    @Test func withoutExpiresInDaysOrWithZeroAKeyNeverExpires() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        var keys: [String] = []
        for extra: [String: JSONValue] in [[:], ["expires_in_days": nil], ["expires_in_days": 0]] {
            let created = try await createKey(fs, a, extra)
            #expect(created.status == 201)
            #expect(created["expires_at"] == nil, "\(extra)")
            keys.append(try #require(created["key"]?.stringValue))
        }
        let tokens = RecordStore(kv: try #require(fs.env.kv["TOKENS"]))
        let stored = try tokens.keys(prefix: KeyLayout.apiKeys)
        #expect(stored.count == 3)
        for name in stored { #expect(try tokens.get(name)?["expires_at"] == nil) }
        let listed = await fs.call("GET", "/v1/environments/\(a.environments["production"] ?? "")/api-keys", bearer: a.access)
        #expect(listed.json.arrayValue?.allSatisfy { $0["expires_at"] == .null } == true)
        fs.clock.advance(by: 3650 * 86_400)
        for key in keys {
            #expect(await fs.call("POST", "/v1/evaluate", apiKey: key, json: ["flag_key": "f", "context": ["key": "u"]]).status == 200)
        }
    }

    @Test func anExpiryThatIsNotAWholeNumberOfDaysIsA400() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        for bad: JSONValue in [-1, 1.5, "7", 36_501, true] {
            let response = try await createKey(fs, a, ["expires_in_days": bad])
            #expect(response.status == 400, "\(bad)")
            #expect(response.json == ["error": "expires_in_days must be a whole number of days from 0 to 36500"], "\(bad)")
        }
        let listed = await fs.call("GET", "/v1/environments/\(a.environments["production"] ?? "")/api-keys", bearer: a.access)
        #expect(listed.json.arrayValue?.isEmpty == true)
    }
}
