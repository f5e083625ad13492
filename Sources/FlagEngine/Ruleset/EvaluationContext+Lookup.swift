import EdgeJSON

extension EvaluationContext {
    /// The attribute a compiled lookup names, read in place; `nil` when absent.
    @inline(__always)
    func value(at lookup: CompiledCondition.Lookup) -> JSONValue? {
        switch lookup {
        case .targetingKey: return targetingKey.map(JSONValue.string)
        case .email: return email
        case .phone: return phone
        case .plan: return plan
        case .environment: return environment.map(JSONValue.string)
        case .custom(let key): return attributes[key]
        case .customPath(let key, let path):
            if let value = attributes[key] { return value }
            var value = attributes[path[0]]
            for component in path.dropFirst() { value = value?[component] }
            return value
        }
    }

    /// The text hashed for bucketing: strings as they are, numbers in their shortest form (integers
    /// without a fraction), bools as `true`/`false`; nil (not bucketable) otherwise.
    @inline(__always)
    func bucketingText(at lookup: CompiledCondition.Lookup) -> String? {
        if case .targetingKey = lookup { return targetingKey }
        switch value(at: lookup) {
        case .string(let text): return text
        case .number(let number):
            // Truncating conversion plus a round trip: no libm (this module links no Foundation or Glibc).
            if number > -9.0e18, number < 9.0e18, Double(Int64(number)) == number { return String(Int64(number)) }
            return String(number)
        case .bool(let flag): return flag ? "true" : "false"
        default: return nil
        }
    }
}
