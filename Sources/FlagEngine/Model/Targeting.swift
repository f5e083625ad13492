/// Rules and an optional rollout, replaced as one unit by an environment entry.
public struct Targeting: Sendable, Hashable {
    /// Evaluated in ascending `priority`, ties in list order (the sort is stable).
    public var rules: [Rule]
    /// Applies after no rule served; `nil` skips the rollout step entirely.
    public var rollout: Rollout?

    public init(rules: [Rule] = [], rollout: Rollout? = nil) {
        self.rules = rules
        self.rollout = rollout
    }
}
