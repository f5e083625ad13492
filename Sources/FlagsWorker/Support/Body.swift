import EdgeJSON
import EdgeWorker

/// A request's JSON object body, with typed field access that fails as a 400 naming the field.
struct Body {
    let fields: [String: JSONValue]
    /// Set by a dialect that answers every malformed body with one error (FeatureSignals'
    /// `invalid request body`) instead of EdgeFlags' messages naming the field.
    let invalid: APIError?

    /// The body as a JSON object; malformed JSON, bad UTF-8 or another JSON type is a 400.
    init(_ request: Request, invalid: APIError? = nil) throws(APIError) {
        self.invalid = invalid
        guard !request.body.isEmpty else { throw invalid ?? .validation("Request body must be a JSON object") }
        let value: JSONValue
        do {
            value = try JSONValue.parse(request.body, maxDepth: 64)
        } catch {
            throw invalid ?? .validation("Invalid JSON body: \(error.description)")
        }
        guard case .object(let fields) = value else { throw invalid ?? .validation("Request body must be a JSON object") }
        self.fields = fields
    }

    init(fields: [String: JSONValue], invalid: APIError? = nil) {
        self.fields = fields
        self.invalid = invalid
    }

    subscript(name: String) -> JSONValue? {
        guard let value = fields[name], !value.isNull else { return nil }
        return value
    }

    func require(_ names: String...) throws(APIError) { try require(names) }

    func require(_ names: [String]) throws(APIError) {
        let missing = names.filter { fields[$0] == nil || fields[$0]!.isNull }
        if !missing.isEmpty { throw .validation("Missing required fields: \(missing.joined(separator: ", "))") }
    }

    func string(_ name: String) throws(APIError) -> String? {
        guard let value = self[name] else { return nil }
        guard case .string(let text) = value else { throw fail(name, "a string") }
        return text
    }

    func bool(_ name: String) throws(APIError) -> Bool? {
        guard let value = self[name] else { return nil }
        guard case .bool(let flag) = value else { throw fail(name, "a boolean") }
        return flag
    }

    func object(_ name: String) throws(APIError) -> [String: JSONValue]? {
        guard let value = self[name] else { return nil }
        guard case .object(let object) = value else { throw fail(name, "an object") }
        return object
    }

    func strings(_ name: String) throws(APIError) -> [String]? {
        guard let value = self[name] else { return nil }
        guard case .array(let items) = value else { throw fail(name, "an array of strings") }
        var out: [String] = []
        for item in items {
            guard case .string(let text) = item else { throw fail(name, "an array of strings") }
            out.append(text)
        }
        return out
    }

    /// A number, integral when `integer` is set.
    func number(_ name: String, integer: Bool = false) throws(APIError) -> Double? {
        guard let value = self[name] else { return nil }
        guard case .number(let number) = value, !integer || number == number.rounded() else {
            throw fail(name, integer ? "an integer" : "a number")
        }
        return number
    }

    func array(_ name: String) throws(APIError) -> [JSONValue]? {
        guard let value = self[name] else { return nil }
        guard case .array(let items) = value else { throw fail(name, "an array") }
        return items
    }

    private func fail(_ name: String, _ expected: String) -> APIError { invalid ?? Self.wrongType(name, expected) }

    static func wrongType(_ name: String, _ expected: String) -> APIError {
        .validation("Invalid field type: \(name) must be \(expected)", details: ["field": .string(name)])
    }

    /// The descriptive fields a stored flag, config or segment may carry: `name` and `description`
    /// are strings, `tags` an array of strings.
    static func validateLabels(name: JSONValue?, description: JSONValue?, tags: JSONValue?) throws(APIError) {
        for (field, value) in [("name", name), ("description", description)] where value.map({ $0.stringValue == nil }) ?? false {
            throw wrongType(field, "a string")
        }
        if let tags, tags.arrayValue?.allSatisfy({ $0.stringValue != nil }) != true {
            throw wrongType("tags", "an array of strings")
        }
    }
}

/// Keys of flags, configs, segments and environment names.
enum ResourceKey {
    static let pattern = "[a-z0-9][a-z0-9._-]{0,127}"

    static func isValid(_ key: String) -> Bool {
        let bytes = key.utf8
        guard let first = bytes.first, bytes.count <= 128, isAlnum(first) else { return false }
        return bytes.allSatisfy { isAlnum($0) || $0 == 0x2E || $0 == 0x5F || $0 == 0x2D }
    }

    static func validate(_ key: String) throws(APIError) {
        guard isValid(key) else { throw .validation("Invalid key format: must match \(pattern)") }
    }

    private static func isAlnum(_ c: UInt8) -> Bool { (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) }
}
