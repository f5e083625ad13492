import EdgeJSON
import FlagEngine
import Testing

@Suite("Schedules: evaluated against the injected clock")
struct ScheduleTests {
    func reason(_ flag: Flag, at time: Double, environment: String? = nil) throws -> Reason {
        let ruleset = try Ruleset(flags: [flag])
        return ruleset.evaluate(flagKey: flag.key, context: EvaluationContext(targetingKey: "u", environment: environment), now: time).reason
    }

    func flag(activeFrom: Double? = nil, activeUntil: Double? = nil, expiresAt: Double? = nil) -> Flag {
        Flag(key: "f", base: EnvironmentSettings(enabled: true), activeFrom: activeFrom, activeUntil: activeUntil, expiresAt: expiresAt)
    }

    @Test func activeWindowIncludesItsStartAndExcludesItsEnd() throws {
        let windowed = flag(activeFrom: 1000, activeUntil: 2000)
        #expect(try reason(windowed, at: 999.999) == .scheduledOff)
        #expect(try reason(windowed, at: 1000) == .fallthrough)
        #expect(try reason(windowed, at: 1999.5) == .fallthrough)
        #expect(try reason(windowed, at: 2000) == .scheduledOff)
    }

    @Test func openEndedWindows() throws {
        #expect(try reason(flag(activeFrom: 1000), at: 1_000_000) == .fallthrough)
        #expect(try reason(flag(activeUntil: 1000), at: 0) == .fallthrough)
    }

    @Test func expiresAtSwitchesTheFlagOffFromThatInstant() throws {
        let expiring = flag(expiresAt: 5000)
        #expect(try reason(expiring, at: 4999) == .fallthrough)
        #expect(try reason(expiring, at: 5000) == .scheduledOff)
    }

    @Test func masterSwitchIsCheckedBeforeTheWindow() throws {
        var off = flag(activeFrom: 1000)
        off.base.enabled = false
        #expect(try reason(off, at: 0) == .disabled)
    }

    @Test func passedScheduledEnableTurnsADisabledStateOn() throws {
        let flag = try FeatureSignals.flag("f", states: ["production": ["enabled": false, "scheduled_enable_at": 1000]])
        #expect(try reason(flag, at: 999, environment: "production") == .disabled)
        #expect(try reason(flag, at: 1000, environment: "production") == .fallthrough)
    }

    @Test func passedScheduledDisableTurnsAnEnabledStateOff() throws {
        let flag = try FeatureSignals.flag("f", states: ["production": ["enabled": true, "scheduled_disable_at": 1000]])
        #expect(try reason(flag, at: 999, environment: "production") == .fallthrough)
        #expect(try reason(flag, at: 1000, environment: "production") == .scheduledOff)
    }

    @Test func theLatestPassedScheduleWins() throws {
        let window = try FeatureSignals.flag("f", states: ["production": [
            "enabled": false, "scheduled_enable_at": 1000, "scheduled_disable_at": 2000,
        ]])
        #expect(try reason(window, at: 500, environment: "production") == .disabled)
        #expect(try reason(window, at: 1500, environment: "production") == .fallthrough)
        #expect(try reason(window, at: 2500, environment: "production") == .scheduledOff)
        let reopened = try FeatureSignals.flag("f", states: ["production": [
            "enabled": false, "scheduled_disable_at": 1000, "scheduled_enable_at": 2000,
        ]])
        #expect(try reason(reopened, at: 1500, environment: "production") == .scheduledOff)
        #expect(try reason(reopened, at: 2500, environment: "production") == .fallthrough)
    }
}
