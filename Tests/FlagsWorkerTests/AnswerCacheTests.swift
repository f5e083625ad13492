import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// The evaluation routes keep their answers per request; what these tests pin down is that a kept
/// answer is never a stale one, and that serving it still has every side effect of evaluating.
@Suite("Kept evaluation answers")
struct AnswerCacheTests {
    let body = #"{"context":{"user_id":"u1","plan":"pro"}}"#

    @Test func aRepeatedEvaluationIsServedFromTheCacheAndIsTheSameAnswer() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "beta", "enabled": true, "value": "on"])
        let first = await api.call("POST", "/api/v1/evaluate", body: body)
        #expect(api.service.answers.count == 0)  // seen once: not kept yet
        let second = await api.call("POST", "/api/v1/evaluate", body: body)
        #expect(api.service.answers.count == 1)  // seen again: kept
        let third = await api.call("POST", "/api/v1/evaluate", body: body)
        for answer in [second, third] {
            #expect(answer.status == 200)
            #expect(answer.text == first.text)
            #expect(answer.headers["Content-Type"] == "application/json")
        }
        #expect(api.service.answers.count == 1)
    }

    @Test func requestsThatNeverRepeatAreNotKept() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "beta", "enabled": true, "value": "on"])
        for i in 0..<200 {
            #expect(await api.call("POST", "/api/v1/evaluate", body: #"{"context":{"user_id":"u\#(i)"}}"#).status == 200)
        }
        #expect(api.service.answers.count == 0)
    }

    @Test func aFullCacheReplacesAnswersOneByOneAndStaysWithinItsBounds() {
        let cache = AnswerCache(maxEntries: 64, maxBytes: 1 << 20)
        let answer = AnswerCache.Answer(response: .jsonBytes(Array("{}".utf8)), evaluations: [], environment: nil,
                                        evaluationsAvailable: 0)
        func key(_ i: Int) -> AnswerCache.Key { .init(route: .edgeFlagsBulk, credential: "t", input: Array("\(i)".utf8)) }
        for i in 0..<500 {
            for _ in 0..<2 { cache.keep(answer, for: key(i), sequence: 7, validUntil: nil) }
            #expect(cache.count <= 64)
        }
        #expect(cache.count > 48)  // never emptied at a stroke
        #expect(cache.answer(for: key(499), sequence: 7, now: 0) != nil)  // the newest answer is always kept
        #expect(cache.answer(for: key(499), sequence: 8, now: 0) == nil)  // another FLAGS sequence
        cache.keep(answer, for: key(1), sequence: 7, validUntil: 10)
        #expect(cache.answer(for: key(1), sequence: 7, now: 9.9) != nil)
        #expect(cache.answer(for: key(1), sequence: 7, now: 10) == nil)  // the schedule switched
    }

    @Test func theByteBudgetHoldsWhateverTheAnswersWeigh() {
        let cache = AnswerCache(maxEntries: 1024, maxBytes: 64 * 1024)
        let answer = AnswerCache.Answer(response: .jsonBytes([UInt8](repeating: 0x20, count: 4000)), evaluations: [],
                                        environment: nil, evaluationsAvailable: 0)
        func key(_ i: Int) -> AnswerCache.Key { .init(route: .edgeFlagsBulk, credential: "t", input: Array("\(i)".utf8)) }
        for i in 0..<2000 {
            for _ in 0..<2 { cache.keep(answer, for: key(i), sequence: 1, validUntil: nil) }
            #expect(cache.count * 4000 <= 64 * 1024)
            #expect(cache.answer(for: key(i), sequence: 1, now: 0) != nil)
        }
        #expect(cache.count >= 10)
    }

    @Test func anyChangeToTheProjectIsSeenByTheVeryNextRequest() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "beta", "enabled": true, "value": "on"])
        #expect(await api.call("POST", "/api/v1/evaluate", body: body)["flags"] == ["beta": "on"])
        #expect(await api.call("PUT", "/api/v1/flags/beta", json: ["value": "off"]).status == 200)
        #expect(await api.call("POST", "/api/v1/evaluate", body: body)["flags"] == ["beta": "off"])
        #expect(await api.evaluate("beta", ["user_id": "u1"]).0 == "off")
        #expect(await api.call("PUT", "/api/v1/flags/beta", json: ["value": "again"]).status == 200)
        #expect(await api.evaluate("beta", ["user_id": "u1"]).0 == "again")
        #expect(await api.call("DELETE", "/api/v1/flags/beta").status == 200)
        #expect(await api.call("POST", "/api/v1/evaluate", body: body)["flags"] == [:])
    }

    @Test func aScheduleThatComesDueChangesTheAnswerWithoutAnyWrite() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "launch", "enabled": true, "value": "live",
                              "active_from": .string(Timestamp.format(api.clock.now + 60)),
                              "active_until": .string(Timestamp.format(api.clock.now + 120))])
        #expect(await api.call("POST", "/api/v1/evaluate", body: body)["flags"] == ["launch": false])
        #expect(await api.evaluate("launch", ["user_id": "u1"]).1 == "disabled")
        api.clock.advance(by: 60)
        #expect(await api.call("POST", "/api/v1/evaluate", body: body)["flags"] == ["launch": "live"])
        #expect(await api.evaluate("launch", ["user_id": "u1"]).0 == "live")
        api.clock.advance(by: 59.5)
        #expect(await api.call("POST", "/api/v1/evaluate", body: body)["flags"] == ["launch": "live"])
        api.clock.advance(by: 0.5)
        #expect(await api.call("POST", "/api/v1/evaluate", body: body)["flags"] == ["launch": false])
    }

    @Test func tokensWithOtherPermissionsGetTheirOwnAnswers() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "beta", "enabled": true, "value": "on"])
        #expect(await api.call("POST", "/api/v1/configs", json: ["key": "limits", "value": 5]).status == 201)
        let flagsOnly = try await api.token(["read:flags"])
        let configsOnly = try await api.token(["read:configs"])
        let all = await api.call("POST", "/api/v1/evaluate", body: body)
        #expect(all.json == ["flags": ["beta": "on"], "configs": ["limits": 5]])
        #expect(await api.call("POST", "/api/v1/evaluate", token: flagsOnly, body: body).json
                == ["flags": ["beta": "on"], "configs": [:]])
        #expect(await api.call("POST", "/api/v1/evaluate", token: configsOnly, body: body).json
                == ["flags": [:], "configs": ["limits": 5]])
    }

    @Test func aServedAnswerStillCountsAgainstTheRateLimitAndReachesTheTail() async throws {
        let api = try await FlagsHarness(vars: ["RATE_LIMIT_EVALUATIONS_PER_MINUTE": "3"])
        await api.createFlag(["key": "beta", "enabled": true, "value": "on"])
        var remaining: [String?] = []
        for _ in 0..<3 { remaining.append(await api.call("POST", "/api/v1/evaluate", body: body).headers["X-RateLimit-Remaining"]) }
        #expect(remaining == ["2", "1", "0"])
        let limited = await api.call("POST", "/api/v1/evaluate", body: body)
        #expect(limited.status == 429)
        // All three evaluations are in the tail's history, the two kept ones included.
        #expect(api.service.tail.historyCount == 3)
    }

    @Test func aKeptSingleFlagAnswerKeepsItsETagAndAnswers304() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "beta", "enabled": true, "value": "on"])
        let first = await api.call("GET", "/api/v1/flags/beta")
        let tag = try #require(first.headers["ETag"])
        let again = await api.call("GET", "/api/v1/flags/beta")
        #expect(again.headers["ETag"] == tag)
        #expect(again.headers["Cache-Control"] == "private, max-age=10")
        #expect(await api.call("GET", "/api/v1/flags/beta", headers: ["If-None-Match": tag]).status == 304)
    }

    @Test func featureSignalsAnswersAreKeptPerKeyAndStillCounted() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        try await fs.flag(a, ["key": "f", "name": "F"])
        try await fs.state(a, "f", ["enabled": true, "default_value": "prod"])
        let production = try await fs.apiKey(a)
        let staging = try await fs.apiKey(a, env: "staging")
        #expect(await fs.evaluate(production, "f").value == "prod")
        #expect(await fs.evaluate(production, "f").value == "prod")
        // The same request with another environment's key is not the same question.
        #expect(await fs.evaluate(staging, "f").reason == "DISABLED")
        try await fs.state(a, "f", ["default_value": "changed"])
        #expect(await fs.evaluate(production, "f").value == "changed")
        let metrics = await fs.call("GET", "/v1/metrics/evaluations", bearer: a.access)
        #expect(metrics["total"] == 4)
    }
}
