/// A `Rule` ready to run (a class for the reason given on `CompiledSegment`).
final class CompiledRule: Sendable {
    let conditions: [CompiledCondition]
    let matchType: MatchType
    /// Empty when the rule names no segments; otherwise at least one must hold the context.
    let segments: [SegmentReference]
    /// Basis points; nil serves everyone who matches.
    let percentage: Int?
    let bucketBy: CompiledCondition.Lookup
    let valueIndex: Int

    init(
        conditions: [CompiledCondition], matchType: MatchType, segments: [SegmentReference], percentage: Int?,
        bucketBy: CompiledCondition.Lookup, valueIndex: Int
    ) {
        self.conditions = conditions
        self.matchType = matchType
        self.segments = segments
        self.percentage = percentage
        self.bucketBy = bucketBy
        self.valueIndex = valueIndex
    }
}
