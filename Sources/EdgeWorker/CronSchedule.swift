/// A five-field cron expression (minute hour day-of-month month day-of-week, UTC), as
/// `[triggers] crons` takes them: `*`, numbers, ranges `a-b`, lists `a,b` and steps `*/n`, `a-b/n`.
public struct CronSchedule: Sendable, Equatable {
    /// A cron expression that cannot be used, and why.
    public struct InvalidCron: Error, CustomStringConvertible {
        /// What is wrong with the expression.
        public var description: String
    }

    /// The expression as written in the config.
    public let expression: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let days: Set<Int>
    let months: Set<Int>
    let weekdays: Set<Int>
    let anyDay: Bool
    let anyWeekday: Bool

    /// Parses `expression`; throws ``InvalidCron`` for a wrong field count, value or range.
    public init(_ expression: String) throws {
        let fields = expression.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard fields.count == 5 else { throw InvalidCron(description: "expected 5 fields, found \(fields.count)") }
        self.expression = expression
        minutes = try Self.field(fields[0], 0...59)
        hours = try Self.field(fields[1], 0...23)
        days = try Self.field(fields[2], 1...31)
        months = try Self.field(fields[3], 1...12)
        weekdays = Set(try Self.field(fields[4], 0...7).map { $0 % 7 })
        anyDay = fields[2] == "*"
        anyWeekday = fields[4] == "*"
    }

    private static func field(_ text: Substring, _ range: ClosedRange<Int>) throws -> Set<Int> {
        var values = Set<Int>()
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw InvalidCron(description: "bad step in \"\(part)\"") }
                step = s
            }
            var low = range.lowerBound, high = range.upperBound
            if pieces[0] != "*" {
                let bounds = pieces[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                guard let a = Int(bounds[0]), range.contains(a) else {
                    throw InvalidCron(description: "\"\(part)\" is outside \(range.lowerBound)-\(range.upperBound)")
                }
                low = a
                high = pieces.count == 2 ? range.upperBound : a
                if bounds.count == 2 {
                    guard let b = Int(bounds[1]), range.contains(b), b >= a else {
                        throw InvalidCron(description: "bad range \"\(part)\"")
                    }
                    high = b
                }
            }
            values.formUnion(stride(from: low, through: high, by: step))
        }
        guard !values.isEmpty else { throw InvalidCron(description: "empty field") }
        return values
    }

    /// The first whole minute strictly after `time` (Unix seconds) at which the schedule fires.
    public func next(after time: Double) -> Double {
        var minute = (Int64(time) / 60 + 1) * 60
        // A year of minutes bounds the search; every valid expression fires within four years.
        for _ in 0..<(4 * 366 * 24 * 60) {
            let c = CivilTime(unixSeconds: minute)
            let dayMatches: Bool
            if anyDay || anyWeekday {
                dayMatches = days.contains(c.day) && weekdays.contains(c.weekday)
            } else {
                dayMatches = days.contains(c.day) || weekdays.contains(c.weekday)
            }
            if months.contains(c.month) && dayMatches && hours.contains(c.hour) && minutes.contains(c.minute) {
                return Double(minute)
            }
            minute += 60
        }
        return .infinity
    }
}

/// UTC calendar fields of a Unix time (Howard Hinnant's days-from-civil, inverted).
struct CivilTime {
    var year: Int, month: Int, day: Int, hour: Int, minute: Int, weekday: Int

    init(unixSeconds: Int64) {
        let days = Int(unixSeconds.dividedRoundingDown(by: 86_400))
        let secondsOfDay = Int(unixSeconds - Int64(days) * 86_400)
        hour = secondsOfDay / 3600
        minute = secondsOfDay % 3600 / 60
        weekday = ((days % 7) + 11) % 7  // 1970-01-01 was a Thursday (4)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        day = doy - (153 * mp + 2) / 5 + 1
        month = mp < 10 ? mp + 3 : mp - 9
        year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    }
}

extension Int64 {
    func dividedRoundingDown(by divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
