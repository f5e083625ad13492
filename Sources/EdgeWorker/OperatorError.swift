/// A failure for the operator, shown as one line: a worker that refuses to start with its
/// configuration, a command given arguments it cannot use. (A config file that cannot be read is a
/// `ConfigError`, which says where in the file.)
public struct OperatorError: Error, Sendable, CustomStringConvertible {
    /// The line shown to the operator.
    public var description: String

    /// A failure shown as `description`.
    public init(_ description: String) { self.description = description }
}
