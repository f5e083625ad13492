/// How a rule or segment combines its conditions.
public enum MatchType: String, Sendable, Hashable {
    /// Every condition must match. With no conditions a rule matches; a segment does not (see `Segment`).
    case all
    /// At least one condition must match; with no conditions nothing matches.
    case any
}
