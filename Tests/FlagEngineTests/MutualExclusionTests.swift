import EdgeJSON
import FlagEngine
import Testing

@Suite("Mutual exclusion: the lowest bucket of the group's enabled flags wins")
struct MutualExclusionTests {
    func member(_ key: String, enabled: Bool = true) throws -> Flag {
        try FeatureSignals.flag(key, defaultValue: "off", states: ["production": ["enabled": .bool(enabled), "default_value": "on"]], group: "checkout")
    }

    @Test func exactlyOneFlagOfTheGroupServesEachUser() throws {
        let ruleset = try Ruleset(flags: [member("exp-a"), member("exp-b"), member("exp-c")])
        var wins: [String: Int] = [:]
        for user in 0..<3_000 {
            let context = FeatureSignals.context(key: "user-\(user)")
            let results = ruleset.evaluateAll(context: context, now: now)
            let winners = results.filter { $0.reason != .mutuallyExcluded }
            #expect(winners.count == 1)
            for loser in results where loser.reason == .mutuallyExcluded {
                #expect(loser.value == "off")
            }
            if let winner = winners.first { wins[winner.flagKey, default: 0] += 1 }
        }
        // Each of three flags wins about a third of the users.
        for key in ["exp-a", "exp-b", "exp-c"] {
            #expect((800...1_200).contains(wins[key] ?? 0), "\(key) won \(wins[key] ?? 0)")
        }
    }

    @Test func winnerIsTheFlagWithTheLowestBucket() throws {
        let ruleset = try Ruleset(flags: [member("exp-a"), member("exp-b"), member("exp-c")])
        for user in ["user-1", "user-42", "anonymous", "u0"] {
            let expected = ["exp-a", "exp-b", "exp-c"].min {
                Bucketing.bucket(flagKey: $0, value: user) < Bucketing.bucket(flagKey: $1, value: user)
            }
            let winner = ruleset.evaluateAll(context: FeatureSignals.context(key: user), now: now)
                .first { $0.reason == .fallthrough }
            #expect(winner?.flagKey == expected)
            #expect(winner?.value == "on")
        }
    }

    @Test func disabledFlagsDoNotTakePart() throws {
        // Whoever would win, with the other two disabled exp-b serves everyone.
        let ruleset = try Ruleset(flags: [member("exp-a", enabled: false), member("exp-b"), member("exp-c", enabled: false)])
        for user in 0..<200 {
            let result = ruleset.evaluate(flagKey: "exp-b", context: FeatureSignals.context(key: "u\(user)"), now: now)
            #expect(result.reason == .fallthrough)
        }
        let disabled = ruleset.evaluate(flagKey: "exp-a", context: FeatureSignals.context(key: "u1"), now: now)
        #expect(disabled.reason == .disabled)
    }

    @Test func tiesGoToTheSmallerKey() throws {
        // Without a targeting key every bucket ties.
        let ruleset = try Ruleset(flags: [member("zeta"), member("alpha"), member("mid")])
        let context = FeatureSignals.context(key: nil)
        #expect(ruleset.evaluate(flagKey: "alpha", context: context, now: now).reason == .fallthrough)
        #expect(ruleset.evaluate(flagKey: "mid", context: context, now: now).reason == .mutuallyExcluded)
        #expect(ruleset.evaluate(flagKey: "zeta", context: context, now: now).reason == .mutuallyExcluded)
    }

    @Test func flagsOfOtherGroupsAreUnaffected() throws {
        var other = try member("solo")
        other.mutualExclusionGroup = "elsewhere"
        let ruleset = try Ruleset(flags: [member("exp-a"), member("exp-b"), other])
        for user in 0..<100 {
            #expect(ruleset.evaluate(flagKey: "solo", context: FeatureSignals.context(key: "u\(user)"), now: now).reason == .fallthrough)
        }
    }
}
