import EdgeWorker
import Logging

/// Fires the worker's `scheduled` handler on each `[triggers] crons` expression, in UTC.
public final class CronRunner: Sendable {
    private let task: Task<Void, Never>

    public init(crons: [String], worker: any Worker, env: Env, background: BackgroundWork, logger: Logger) throws {
        let schedules = try crons.map { try CronSchedule($0) }
        task = Task {
            guard !schedules.isEmpty else { return }
            while !Task.isCancelled {
                let now = env.clock()
                let due = schedules.map { ($0, $0.next(after: now)) }
                guard let nextTime = due.map(\.1).min(), nextTime.isFinite else { return }
                try? await Task.sleep(nanoseconds: UInt64(max(0, nextTime - env.clock()) * 1e9))
                if Task.isCancelled { return }
                for (schedule, time) in due where time == nextTime {
                    let event = ScheduledEvent(cron: schedule.expression, scheduledTime: time)
                    do {
                        try await worker.scheduled(event, env: env, ctx: ExecutionContext(tracker: background))
                    } catch {
                        logger.error("scheduled handler failed", metadata: ["cron": "\(schedule.expression)",
                                                                          "error": "\(error)"])
                    }
                }
            }
        }
    }

    public func stop() { task.cancel() }
}
