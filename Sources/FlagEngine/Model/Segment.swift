/// A named group of users.
///
/// The context is in a segment when `EvaluationContext.segments` lists its key (explicit membership),
/// or when its conditions match under `matchType`. **Decided**: a segment without conditions matches by
/// explicit membership only — otherwise an empty segment made for listing users would hold everyone.
/// Conditions on `.segment` nest segments; nesting deeper than `Ruleset.maxSegmentDepth` or a cycle is
/// a compile error (`RulesetError`), so it is refused when written and never reaches evaluation.
public struct Segment: Sendable, Hashable {
    public var key: String
    public var matchType: MatchType
    public var conditions: [Condition]

    public init(key: String, matchType: MatchType = .all, conditions: [Condition] = []) {
        self.key = key
        self.matchType = matchType
        self.conditions = conditions
    }
}
