/// A `Segment` ready to run. Nesting is acyclic and bounded (checked by `RulesetCompiler`).
///
/// The compiled forms are immutable classes rather than structs: evaluation reads them out of arrays,
/// and copying a struct full of arrays and strings costs a reference count per field.
final class CompiledSegment: Sendable {
    let key: String
    let matchType: MatchType
    let conditions: [CompiledCondition]
    /// Indices of the segments its conditions reference, for the cycle and depth checks.
    let referencedSegments: [Int]

    init(key: String, matchType: MatchType, conditions: [CompiledCondition], referencedSegments: [Int]) {
        self.key = key
        self.matchType = matchType
        self.conditions = conditions
        self.referencedSegments = referencedSegments
    }
}
