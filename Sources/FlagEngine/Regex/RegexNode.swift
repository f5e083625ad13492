/// The parsed form of a pattern, before it is compiled into a `RegexProgram`.
indirect enum RegexNode: Sendable {
    case empty
    case scalar(UInt32)
    case set(ScalarSet)
    /// `.`; `includingNewline` under `(?s)`.
    case anyScalar(includingNewline: Bool)
    case assertion(RegexAssertion)
    case concatenation([RegexNode])
    case alternation([RegexNode])
    /// `max == nil` is unbounded.
    case repetition(RegexNode, min: Int, max: Int?)
}
