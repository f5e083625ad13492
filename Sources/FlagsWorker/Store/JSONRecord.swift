import EdgeJSON

/// A record the service keeps as a JSON object in a KV namespace: one Swift type, with one mapping
/// from what is stored and one back.
///
/// `format` is the shape a type writes. Every record stored so far is format 1, which carries no
/// field saying so; a later shape writes `"format": 2` beside its fields, and `init?(json:)` reads
/// both — that is the whole migration story, record by record, with no rewrite of the store.
protocol JSONRecord: Sendable {
    static var format: Int { get }
    /// The record as stored; nil when the object is not one (a field missing or of another type).
    init?(json: [String: JSONValue])
    /// The object to store: exactly the fields a stored record of this format has.
    var json: [String: JSONValue] { get }
}

extension JSONRecord {
    static var format: Int { 1 }

    /// The format an object was stored in (1 when it says nothing).
    static func storedFormat(of object: [String: JSONValue]) -> Int {
        object["format"]?.doubleValue.map { Int($0) } ?? 1
    }
}
