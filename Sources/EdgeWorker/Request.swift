import EdgeJSON

/// An HTTP request as a worker sees it: method, target, headers, the whole body, and the client.
public struct Request: Sendable {
    /// Upper-case method (`GET`, `POST`, ...).
    public var method: String
    /// The request target as sent: path and query (`/api/v1/flags/x?context=...`).
    public var target: String
    /// The header fields as received.
    public var headers: Headers
    /// The whole body (the runner has read it, within `max_body_bytes`).
    public var body: [UInt8]
    /// Who sent it, as far as the runner can tell.
    public var client: ClientInfo

    /// A request, as the runner or a test makes one.
    public init(method: String, target: String, headers: Headers = [:], body: [UInt8] = [],
                client: ClientInfo = ClientInfo(ip: "127.0.0.1", peer: "127.0.0.1")) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
        self.client = client
    }

    /// The path part of the target, still percent-encoded.
    public var path: Substring {
        if let q = queryMark { return target[..<q] }
        return target[...]
    }

    /// The raw query string after `?`, or empty.
    public var query: Substring {
        if let q = queryMark { return target[target.utf8.index(after: q)...] }
        return ""
    }

    /// Where `?` is: searched byte-wise (a `Character` search would walk grapheme clusters), over the
    /// string's contiguous bytes when it has them (a native string always does).
    private var queryMark: String.Index? {
        let utf8 = target.utf8
        if let offset = utf8.withContiguousStorageIfAvailable({ $0.firstIndex(of: UInt8(ascii: "?")) }) {
            return offset.map { utf8.index(utf8.startIndex, offsetBy: $0) }
        }
        return utf8.firstIndex(of: UInt8(ascii: "?"))
    }

    /// The first value of query parameter `name`, percent-decoded (`+` as space).
    public func queryParameter(_ name: String) -> String? {
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let rawName = parts.first, PercentDecoding.decode(rawName) == name else { continue }
            return parts.count > 1 ? PercentDecoding.decode(parts[1]) : ""
        }
        return nil
    }

    /// The body as text (invalid UTF-8 is replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as JSON.
    public func json() throws -> JSONValue { try JSONValue.parse(body) }
}

/// Percent-decoding of URL components; nil for malformed escapes or invalid UTF-8.
public enum PercentDecoding {
    /// `text` with `%XX` escapes decoded (and `+` as a space unless told not to); nil for a bad escape or invalid UTF-8.
    public static func decode(_ text: Substring, plusAsSpace: Bool = true) -> String? {
        decode(text.utf8, plusAsSpace: plusAsSpace)
    }

    /// Decodes the UTF-8 of (part of) a String holding a URL component; nil for malformed escapes or
    /// escaped bytes that are not UTF-8.
    @inlinable
    public static func decode<Bytes: Collection<UInt8>>(_ text: Bytes, plusAsSpace: Bool = true) -> String? {
        // Nothing to decode: the bytes are a valid String's already.
        if !text.contains(where: { $0 == UInt8(ascii: "%") || ($0 == UInt8(ascii: "+") && plusAsSpace) }) {
            return String(decoding: text, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count)
        var iterator = text.makeIterator()
        while let c = iterator.next() {
            if c == UInt8(ascii: "%") {
                guard let h = iterator.next().flatMap(hex), let l = iterator.next().flatMap(hex) else { return nil }
                bytes.append(h << 4 | l)
            } else if c == UInt8(ascii: "+") && plusAsSpace {
                bytes.append(UInt8(ascii: " "))
            } else {
                bytes.append(c)
            }
        }
        // The generic validating initializer is slow; ASCII, the usual case, needs no validation.
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    @usableFromInline
    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
