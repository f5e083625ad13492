/// HTTP header fields in arrival order, looked up without regard to case.
public struct Headers: Sendable, Sequence, ExpressibleByDictionaryLiteral {
    /// Every field in arrival order, names as sent.
    public private(set) var fields: [(name: String, value: String)]

    /// Headers with these fields, in this order.
    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields
    }

    /// `["Content-Type": "text/plain"]`: one field per pair, in order.
    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        get {
            for field in fields where Self.equal(field.name, name) { return field.value }
            return nil
        }
        set {
            guard let index = fields.firstIndex(where: { Self.equal($0.name, name) }) else {
                if let newValue { fields.append((name: name, value: newValue)) }
                return
            }
            if let newValue {
                fields[index] = (name: name, value: newValue)
                // Later duplicates go: the subscript sets the one value of `name`.
                var later = index + 1
                while later < fields.count {
                    if Self.equal(fields[later].name, name) { fields.remove(at: later) } else { later += 1 }
                }
            } else {
                fields.removeAll { Self.equal($0.name, name) }
            }
        }
    }

    /// Every value of `name` (a field may repeat), in arrival order.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.equal($0.name, name) }.map(\.value)
    }

    /// Appends a field, keeping any of the same name (`Set-Cookie`).
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Room for `extra` more fields: a shared array (a kept answer's) is copied once, not grown by
    /// every `add`.
    public mutating func reserveCapacity(adding extra: Int) {
        fields.reserveCapacity(fields.count + extra)
    }

    /// Removes every field named `name`.
    public mutating func remove(_ name: String) {
        fields.removeAll { Self.equal($0.name, name) }
    }

    /// Whether a field named `name` is present.
    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// The number of fields, repeats included.
    public var count: Int { fields.count }

    /// The fields in arrival order.
    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// ASCII case-insensitive comparison of two field names.
    @inlinable
    public static func equal(_ a: String, _ b: String) -> Bool {
        let (x, y) = (a.utf8, b.utf8)
        guard x.count == y.count else { return false }
        // Over contiguous bytes (native strings, small or not): a plain loop, not the generic
        // element-wise walk of two UTF-8 views, which was 4% of a worker's time per request.
        let fast = x.withContiguousStorageIfAvailable { xs in
            y.withContiguousStorageIfAvailable { ys in
                for i in 0..<xs.count where lower(xs[i]) != lower(ys[i]) { return false }
                return true
            }
        }
        if let fast, let equal = fast { return equal }
        return x.elementsEqual(y) { lower($0) == lower($1) }
    }

    /// ASCII lower case of one byte.
    @inlinable
    public static func lower(_ c: UInt8) -> UInt8 { c >= 65 && c <= 90 ? c | 0x20 : c }
}
