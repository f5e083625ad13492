/// Why a set of flags and segments cannot be compiled. The dialects compile the would-be ruleset
/// before storing a change, so these surface as 400s on write and never at evaluation time.
public enum RulesetError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A `regex` condition's pattern was refused; `owner` is e.g. `flag "beta"` or `segment "eu"`.
    case invalidRegex(owner: String, RegexError)
    /// A condition the engine cannot evaluate (e.g. `segment gt …`).
    case invalidCondition(owner: String, message: String)
    /// Segments that reference each other in a loop, in reference order, first key repeated last.
    case segmentCycle([String])
    /// A chain of nested segments longer than `Ruleset.maxSegmentDepth`.
    case segmentNestingTooDeep([String])
    case duplicateFlagKey(String)
    case duplicateSegmentKey(String)

    public var description: String { message }

    /// A sentence for the dialect's error body.
    public var message: String {
        switch self {
        case .invalidRegex(let owner, let error):
            return "\(owner): invalid regex \"\(error.pattern)\": \(error.message)"
        case .invalidCondition(let owner, let message):
            return "\(owner): \(message)"
        case .segmentCycle(let keys):
            return "segment cycle: \(keys.joined(separator: " -> "))"
        case .segmentNestingTooDeep(let keys):
            return "segments nested deeper than \(Ruleset.maxSegmentDepth): \(keys.joined(separator: " -> "))"
        case .duplicateFlagKey(let key):
            return "duplicate flag key \"\(key)\""
        case .duplicateSegmentKey(let key):
            return "duplicate segment key \"\(key)\""
        }
    }
}
