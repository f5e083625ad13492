import EdgeJSON

/// A condition value with the typed forms the operators need, computed once at compile time.
struct Operand: Sendable {
    let value: JSONValue
    /// The value as a number: a number, or a string in JSON number syntax.
    let number: Double?
    /// The value as a bool: a bool, or the string `"true"`/`"false"`.
    let bool: Bool?

    init(_ value: JSONValue) {
        self.value = value
        switch value {
        case .string(let text):
            number = UTF8Text.number(text)
            bool = text == "true" ? true : text == "false" ? false : nil
        case .number(let number):
            self.number = number
            bool = nil
        case .bool(let flag):
            number = nil
            bool = flag
        default:
            number = nil
            bool = nil
        }
    }

    /// Set when the value is a string (read from `value`: one field less in every compiled operand).
    @inline(__always)
    var string: String? {
        if case .string(let text) = value { return text }
        return nil
    }

    /// Typed equality: same-typed values compare directly; a number and a numeric string compare as
    /// numbers; a bool and `"true"`/`"false"` as bools; any other mix is unequal.
    @inline(__always)
    func equals(_ attribute: JSONValue) -> Bool {
        switch attribute {
        case .string(let text):
            if let string { return UTF8Text.equal(text, string) }
            if case .number(let number) = value { return UTF8Text.number(text) == number }
            if case .bool(let flag) = value { return (text == "true" && flag) || (text == "false" && !flag) }
            return false
        case .number(let number):
            return self.number == number
        case .bool(let flag):
            return bool == flag
        case .array, .object:
            return value == attribute
        case .null:
            return false
        }
    }
}
