import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// `POST /ofrep/v1/evaluate/flags`: every flag for a context, an `ETag` over the flags and the
/// context (a client that changes user never gets the previous user's 304), and the event stream
/// advertised for change notification.
@Suite("OFREP: bulk evaluation and its ETag")
struct OFREPBulkTests {
    @Test func theBulkAnswerHoldsEveryFlagAndAdvertisesTheEventStream() async throws {
        let api = try await OFREPEvaluationTests.seeded()
        let sdk = try await api.token(["read:flags"])
        let answer = await api.ofrep("/evaluate/flags", token: sdk, context: ["targetingKey": "u1", "plan": "pro"],
                                     headers: ["Host": "flags.example:8080"])
        #expect(answer.status == 200)
        let flags = try #require(answer["flags"]?.arrayValue)
        #expect(flags.compactMap { $0["key"]?.stringValue } == ["banner", "checkout", "country", "dark-mode", "gradual", "max-items",
                                                                "off", "ratio"])
        #expect(flags.first { $0["key"] == "dark-mode" } == ["key": "dark-mode", "value": true, "reason": "TARGETING_MATCH",
                                                               "variant": "targeting"])
        #expect(answer["eventStreams"] == [["type": "sse", "url": "http://flags.example:8080/ofrep/v1/events",
                                            "inactivityDelaySec": .number(Double(OFREPEvaluate.inactivityDelaySeconds))]])
        // Without a targeting key, the split flag is an error entry and the others still evaluate.
        let keyless = await api.ofrepBulk(token: sdk, ["plan": "pro"])
        #expect(keyless["gradual"] == "TARGETING_KEY_MISSING")
        #expect(keyless["dark-mode"] == true)
    }

    @Test func sameContextIs304AnotherContextOrAChangeIs200() async throws {
        let api = try await OFREPEvaluationTests.seeded()
        let sdk = try await api.token(["read:flags"])
        let first = await api.ofrep("/evaluate/flags", token: sdk, context: ["targetingKey": "u1", "plan": "free"])
        let tag = try #require(first.headers["ETag"])
        // Twice, so the second comes from the kept answers: the same tag either way.
        for _ in 0..<2 {
            let again = await api.ofrep("/evaluate/flags", token: sdk, context: ["targetingKey": "u1", "plan": "free"],
                                        headers: ["If-None-Match": tag])
            #expect(again.status == 304)
            #expect(again.text.isEmpty)
            #expect(again.headers["ETag"] == tag)
        }
        // Another user whose every value is the same: still a 200 with its own tag.
        let other = await api.ofrep("/evaluate/flags", token: sdk, context: ["targetingKey": "u1", "plan": "basic"],
                                    headers: ["If-None-Match": tag])
        #expect(other.status == 200)
        #expect(other["flags"] == first["flags"])
        #expect(other.headers["ETag"] != tag)
        // A change to the flags: the same context is a 200 with a new tag.
        #expect(await api.call("PUT", "/api/v1/flags/checkout", json: ["value": "v3"]).status == 200)
        let changed = await api.ofrep("/evaluate/flags", token: sdk, context: ["targetingKey": "u1", "plan": "free"],
                                      headers: ["If-None-Match": tag])
        #expect(changed.status == 200)
        #expect(changed.headers["ETag"] != tag)
        #expect(changed["flags"]?.arrayValue?.first { $0["key"] == "checkout" }?["value"] == "v3")
    }

    @Test func theConfigurationStatesTheCapabilities() async throws {
        let api = try await FlagsHarness()
        let sdk = try await api.token(["read:flags"])
        let configuration = await api.ofrep("/configuration", token: sdk, method: "GET")
        #expect(configuration.status == 200)
        #expect(configuration["capabilities"]?["cacheInvalidation"]?["polling"]?["enabled"] == true)
        #expect(configuration["capabilities"]?["flagEvaluation"]?["supportedTypes"] == ["boolean", "string", "int", "float", "object"])
        let tag = try #require(configuration.headers["ETag"])
        #expect(await api.ofrep("/configuration", token: sdk, method: "GET", headers: ["If-None-Match": tag]).status == 304)
        #expect(await api.ofrep("/configuration", method: "GET").status == 401)
    }
}
