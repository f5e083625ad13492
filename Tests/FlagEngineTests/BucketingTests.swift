import EdgeJSON
import FlagEngine
import Testing

@Suite("Bucketing: murmur3_x86_32(flagKey.value) % 10000")
struct BucketingTests {
    @Test("spec test vectors", arguments: [
        ("flag-1", "user-42", 3755),
        ("feature-flag-key", "user-12345", 7852),
        ("new-checkout", "user-123", 9856),
        ("rollout-flag", "user-1", 2120),
        ("dark-mode", "anonymous", 2398),
        ("test-flag", "u0", 1990),
        ("test-flag", "u1", 6623),
        ("a", "b", 422),
        ("", "", 3443),
        ("flag", "ü-ñ-日本", 4621),
    ])
    func specVectors(flagKey: String, user: String, bucket: Int) {
        #expect(Bucketing.bucket(flagKey: flagKey, value: user) == bucket)
    }

    @Test func murmurMatchesPublishedReferenceHashes() {
        #expect(Bucketing.murmur3_x86_32(Array("".utf8)) == 0)
        #expect(Bucketing.murmur3_x86_32(Array("".utf8), seed: 1) == 0x514E_28B7)
        #expect(Bucketing.murmur3_x86_32(Array("hello".utf8)) == 0x248B_FA47)
        #expect(Bucketing.murmur3_x86_32(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x2E4F_F723)
    }

    @Test func eachDecileHoldsTenPercentOfOneHundredThousandUsers() {
        var deciles = [Int](repeating: 0, count: 10)
        for user in 0..<100_000 {
            deciles[Bucketing.bucket(flagKey: "distribution", value: "user-\(user)") / 1000] += 1
        }
        for count in deciles {
            #expect((8_000...12_000).contains(count), "decile holds \(count)")
        }
    }

    @Test func twentyFivePercentRolloutServesAQuarterOfUsers() throws {
        let ruleset = try Ruleset(flags: [
            EdgeFlags.flag(["key": "quarter", "enabled": true, "targeting": ["rollout": ["percentage": 25]]]),
        ])
        var inside = 0
        for user in 0..<100_000 {
            let result = ruleset.evaluate(
                flagKey: "quarter", context: EvaluationContext(targetingKey: "user-\(user)"), now: now)
            if result.reason == .rollout { inside += 1 }
        }
        #expect((23_000...27_000).contains(inside), "inside: \(inside)")
    }

    @Test func differentFlagsBucketTheSameUserIndependently() {
        var same = 0
        for user in 0..<1_000 {
            let first = Bucketing.bucket(flagKey: "flag-a", value: "u\(user)")
            let second = Bucketing.bucket(flagKey: "flag-b", value: "u\(user)")
            if first / 1000 == second / 1000 { same += 1 }
        }
        // Independent buckets share a decile about 10% of the time.
        #expect(same < 200)
    }

    @Test func rolloutBoundaryIsStrictlyBelowThePercentage() throws {
        // test-flag/u0 is bucket 1990: inside 19.91%, outside 19.90%.
        let inside = try Ruleset(flags: [
            EdgeFlags.flag(["key": "test-flag", "enabled": true, "targeting": ["rollout": ["percentage": 19.91]]]),
        ])
        let outside = try Ruleset(flags: [
            EdgeFlags.flag(["key": "test-flag", "enabled": true, "targeting": ["rollout": ["percentage": 19.9]]]),
        ])
        let context = EvaluationContext(targetingKey: "u0")
        #expect(inside.evaluate(flagKey: "test-flag", context: context, now: now).reason == .rollout)
        #expect(outside.evaluate(flagKey: "test-flag", context: context, now: now).reason == .fallthrough)
    }
}
