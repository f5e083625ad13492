/// Why a `regex` pattern was refused; `message` is meant for the dialect's 400 body.
public struct RegexError: Error, Sendable, Hashable, CustomStringConvertible {
    public var pattern: String
    public var message: String

    public init(pattern: String, message: String) {
        self.pattern = pattern
        self.message = message
    }

    public var description: String { "invalid regex \"\(pattern)\": \(message)" }
}
