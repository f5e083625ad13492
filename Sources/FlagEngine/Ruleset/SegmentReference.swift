/// A segment named by a condition or rule; `index` is nil when no such segment exists, in which case
/// only explicit membership (`EvaluationContext.segments`) can put the context in it.
struct SegmentReference: Sendable {
    let key: String
    let index: Int?
}
