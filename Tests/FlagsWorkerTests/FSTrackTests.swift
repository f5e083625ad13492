import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

/// Issue 13 item 7: `POST /v1/track` required `user_key`; the reference requires only `flag_key`.
@Suite("FeatureSignals §6: tracking needs only a flag key")
struct FSTrackTests {
    @Test func trackNeedsOnlyAFlagKey() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let key = try await fs.apiKey(a)
        #expect(await fs.call("POST", "/v1/track", apiKey: key, json: ["flag_key": "checkout"]).status == 204)
        #expect(await fs.call("POST", "/v1/track", apiKey: key, json: ["flag_key": "checkout", "variant_key": "b"]).status == 204)
        #expect(fs.base.service.tracking.count(flag: "checkout", variant: nil) == 1)
        #expect(fs.base.service.tracking.count(flag: "checkout", variant: "b") == 1)
        let missing = await fs.call("POST", "/v1/track", apiKey: key, json: ["user_key": "u"])
        #expect(missing.status == 400)
        #expect(missing.json == ["error": "flag_key is required"])
        let wrongType = await fs.call("POST", "/v1/track", apiKey: key, json: ["flag_key": "checkout", "user_key": 5])
        #expect(wrongType.json == ["error": "invalid request body"])
    }
}
