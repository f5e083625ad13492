import EdgeJSON
import EdgeWorker

/// Scheduled state changes, run by `FlagsWorker.scheduled` on the cron of `wrangler-like.toml`:
/// every state whose `scheduled_enable_at` or `scheduled_disable_at` has passed is switched, and
/// the schedule cleared, through the same change path as a toggle (audit, webhooks, streams).
enum FSSchedules {
    /// Returns how many states were switched.
    static func apply(service: Service, env: Env, ctx: ExecutionContext, now: Double) async throws(APIError) -> Int {
        let call = PublicCall(request: Request(method: "POST", target: "/scheduled"), env: env, ctx: ctx,
                              parameters: RouteParameters(), service: service, now: now, caller: Anonymous())
        var switched = 0
        for storageKey in try service.flags.keys(prefix: KeyLayout.allFlagStates) {
            guard let state = try service.flags.get(FlagStateRecord.self, storageKey) else { continue }
            let enableAt = Timestamp.parse(state.scheduledEnableAt.stringValue ?? "")
            let disableAt = Timestamp.parse(state.scheduledDisableAt.stringValue ?? "")
            let enableDue = enableAt.map { $0 <= now } ?? false, disableDue = disableAt.map { $0 <= now } ?? false
            guard enableDue || disableDue else { continue }
            let parts = storageKey.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            guard parts.count == 4 else { continue }
            _ = try await FSFlagStates.change(call, project: parts[1], key: parts[2], env: parts[3],
                                              event: "flag.state_updated") { state in
                if enableDue && disableDue {
                    // The later of the two passed times wins, as evaluation decides.
                    state.enabled = .bool((enableAt ?? 0) > (disableAt ?? 0))
                } else {
                    state.enabled = .bool(enableDue)
                }
                if enableDue { state.scheduledEnableAt = .null }
                if disableDue { state.scheduledDisableAt = .null }
            }
            switched += 1
        }
        return switched
    }
}
