/// A `Rule` ready to run (a class for the reason given on `CompiledSegment`).
final class CompiledRule: Sendable {
    let conditions: [CompiledCondition]
    let matchType: MatchType
    /// Empty when the rule names no segments; otherwise at least one must hold the context.
    let segments: [SegmentReference]
    /// Basis points; 10,000 (a rule without a percentage) serves everyone who matches.
    let percentage: Int32
    let valueIndex: Int32
    let bucketBy: CompiledCondition.Lookup

    init(
        conditions: [CompiledCondition], matchType: MatchType, segments: [SegmentReference], percentage: Int?,
        bucketBy: CompiledCondition.Lookup, valueIndex: Int
    ) {
        self.conditions = conditions
        self.matchType = matchType
        self.segments = segments
        self.percentage = Int32(clamping: min(percentage ?? 10_000, 10_000))
        self.bucketBy = bucketBy
        self.valueIndex = Int32(valueIndex)
    }
}
