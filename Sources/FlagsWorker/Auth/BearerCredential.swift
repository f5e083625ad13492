import EdgeWorker

/// The credential of `Authorization: Bearer <credential>`: an `ff_` token or an access JWT.
enum BearerCredential {
    /// The credential, if the header has that form. Credentials are one field (RFC 9110 §11.6.2):
    /// two Authorization headers are an ambiguous request, not a choice to make.
    static func parse(_ request: Request) throws(APIError) -> String? {
        var authorization: String?
        for field in request.headers where Headers.equal(field.name, "Authorization") {
            guard authorization == nil else { throw .validation("Only one Authorization header is allowed") }
            authorization = field.value
        }
        guard var header = authorization else { return nil }
        return header.withUTF8 { credential(ofBearer: $0) }
    }

    /// The credential of `[spaces]Bearer<spaces>credential[spaces or tabs]`, the scheme in any case,
    /// read over the value's contiguous bytes (String indices cost a good part of a request here).
    /// Spaces and tabs are trimmed byte by byte: a character could join a space to what follows it.
    private static func credential(ofBearer bytes: UnsafeBufferPointer<UInt8>) -> String? {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 { start += 1 }
        var space = start
        while space < end, bytes[space] != 0x20 { space += 1 }
        guard space < end, space - start == 6 else { return nil }
        func letter(_ offset: Int) -> UInt8 { Headers.lower(bytes[start + offset]) }
        guard letter(0) == UInt8(ascii: "b"), letter(1) == UInt8(ascii: "e"), letter(2) == UInt8(ascii: "a"),
              letter(3) == UInt8(ascii: "r"), letter(4) == UInt8(ascii: "e"), letter(5) == UInt8(ascii: "r") else { return nil }
        var from = space + 1
        while from < end, bytes[from] == 0x20 || bytes[from] == 0x09 { from += 1 }
        while from < end, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return from == end ? nil : String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<end]), as: UTF8.self)
    }
}
