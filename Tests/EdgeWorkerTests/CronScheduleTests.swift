import Testing
@testable import EdgeWorker

@Suite("CronSchedule: parsing and next firing")
struct CronScheduleTests {
    // 2026-11-22T00:00:00Z, a Sunday (checked with `date -u -d @1795305600`).
    static let sunday: Double = 1_795_305_600
    static let day: Double = 86_400

    @Test(arguments: [
        "* * * *",          // four fields
        "* * * * * *",      // six fields
        "",
        "60 * * * *",       // minute out of range
        "* 24 * * *",       // hour out of range
        "* * 0 * *",        // day of month out of range
        "* * 32 * *",
        "* * * 0 *",        // month out of range
        "* * * 13 *",
        "* * * * 8",        // weekday out of range
        "*/0 * * * *",      // zero step
        "*/x * * * *",      // step not a number
        "1-5/ * * * *",     // empty step
        "5-3 * * * *",      // reversed range
        "1-60 * * * *",     // range end out of range
        "a * * * *",
        "1-2-3 * * * *",
        "-1 * * * *",
    ])
    func invalidExpressionsAreRejected(_ expression: String) {
        #expect(throws: CronSchedule.InvalidCron.self) { try CronSchedule(expression) }
    }

    @Test func fourFieldsErrorSaysHowManyWereFound() {
        let error = #expect(throws: CronSchedule.InvalidCron.self) { try CronSchedule("* * * *") }
        #expect(error?.description.contains("4") == true)
    }

    @Test(arguments: ["* * * * *", "*/5 * * * *", "0 0 * * *", "30 9 * * 1-5", "0 12 1 * *", "0,15,30,45 * * * *",
                      "10-50/10 1-3 * 1,6,12 0,7", "5/15 * * * *", "0 0 * * 7", "\t0  0 *\t* *"])
    func validExpressionsParse(_ expression: String) throws {
        let cron = try CronSchedule(expression)
        #expect(cron.expression == expression)
    }

    @Test func everyFiveMinutesFiresOnTheNextMultipleOfFiveStrictlyAfter() throws {
        let cron = try CronSchedule("*/5 * * * *")
        #expect(cron.next(after: Self.sunday) == Self.sunday + 300)
        #expect(cron.next(after: Self.sunday - 1) == Self.sunday)
        #expect(cron.next(after: Self.sunday + 1) == Self.sunday + 300)
        #expect(cron.next(after: Self.sunday + 299.5) == Self.sunday + 300)
        #expect(cron.next(after: Self.sunday + 300) == Self.sunday + 600)
        #expect(cron.next(after: Self.sunday + 23 * 3600 + 58 * 60) == Self.sunday + Self.day)
    }

    @Test func midnightDailyFiresAtTheNextMidnight() throws {
        let cron = try CronSchedule("0 0 * * *")
        #expect(cron.next(after: Self.sunday) == Self.sunday + Self.day)
        #expect(cron.next(after: Self.sunday - 0.5) == Self.sunday)
        #expect(cron.next(after: Self.sunday + 12 * 3600) == Self.sunday + Self.day)
    }

    @Test func weekdayMorningSkipsTheWeekend() throws {
        let cron = try CronSchedule("30 9 * * 1-5")
        let monday0930 = Self.sunday + Self.day + 9 * 3600 + 30 * 60
        #expect(monday0930 == 1_795_426_200)
        #expect(cron.next(after: Self.sunday) == monday0930)                    // Sunday → Monday
        #expect(cron.next(after: monday0930) == monday0930 + Self.day)          // Monday → Tuesday
        let friday0930 = monday0930 + 4 * Self.day
        #expect(cron.next(after: friday0930 - 60) == friday0930)
        #expect(cron.next(after: friday0930) == monday0930 + 7 * Self.day)      // Friday → next Monday
        #expect(cron.next(after: Self.sunday - Self.day) == monday0930)         // Saturday → Monday
    }

    @Test func firstOfTheMonthAtNoon() throws {
        let cron = try CronSchedule("0 12 1 * *")
        let december1 = 1_796_126_400.0  // 2026-12-01T12:00:00Z
        #expect(cron.next(after: Self.sunday) == december1)
        #expect(cron.next(after: december1) == 1_798_804_800)  // 2027-01-01T12:00:00Z
        #expect(cron.next(after: december1 - 1) == december1)
    }

    @Test func sundayIsBothZeroAndSeven() throws {
        let nextSunday = Self.sunday + 7 * Self.day
        #expect(try CronSchedule("0 0 * * 0").next(after: Self.sunday) == nextSunday)
        #expect(try CronSchedule("0 0 * * 7").next(after: Self.sunday) == nextSunday)
    }

    @Test func restrictedDayOfMonthAndWeekdayMatchEither() throws {
        // Standard cron: with both fields restricted, a day matching either one fires.
        let cron = try CronSchedule("0 0 1 * 1")
        #expect(cron.next(after: Self.sunday) == Self.sunday + Self.day)                   // Monday 23rd
        #expect(cron.next(after: Self.sunday + Self.day) == Self.sunday + 8 * Self.day)    // Monday 30th
        #expect(cron.next(after: Self.sunday + 8 * Self.day) == 1_796_083_200)             // Tuesday Dec 1st
    }

    @Test func leapDayIsFound() throws {
        #expect(try CronSchedule("0 0 29 2 *").next(after: Self.sunday) == 1_835_395_200)  // 2028-02-29
    }

    @Test func civilTimeMatchesKnownDates() {
        let epoch = CivilTime(unixSeconds: 0)
        #expect([epoch.year, epoch.month, epoch.day, epoch.hour, epoch.minute, epoch.weekday] == [1970, 1, 1, 0, 0, 4])
        let s = CivilTime(unixSeconds: 1_795_305_600 + 13 * 3600 + 7 * 60 + 59)
        #expect([s.year, s.month, s.day, s.hour, s.minute, s.weekday] == [2026, 11, 22, 13, 7, 0])
        let leap = CivilTime(unixSeconds: 951_782_400)  // 2000-02-29, a Tuesday
        #expect([leap.year, leap.month, leap.day, leap.weekday] == [2000, 2, 29, 2])
        let before = CivilTime(unixSeconds: -1)  // 1969-12-31T23:59:59Z, a Wednesday
        #expect([before.year, before.month, before.day, before.hour, before.minute, before.weekday]
                == [1969, 12, 31, 23, 59, 3])
    }
}
