import EdgeWorker
import NIOCore
import NIOHTTP1

/// Writes an HTTP/1.1 response head (and body) straight into one `ByteBuffer`: one pipeline write
/// and one `writev` per response, with no intermediate `HTTPHeaders`.
///
/// Worker-supplied header fields are checked here, since they go to the wire verbatim: a name must
/// be an RFC 9110 token and a value must not contain CR, LF or NUL (no response splitting).
enum ResponseEncoder {
    /// Why a response head could not be written.
    struct InvalidHeader: Error, CustomStringConvertible {
        let name: String
        var description: String { "invalid response header field \(String(reflecting: name))" }
    }

    /// What the runner adds to every response it frames.
    struct Framing {
        var version: HTTPVersion
        var keepAlive: Bool
        /// `nil` for a chunked body.
        var contentLength: Int?
    }

    static func head(status: Int, headers: Headers, framing: Framing, bodyCapacity: Int = 0, requestID: String? = nil,
                     allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var size = 0
        for (name, value) in headers { size += name.utf8.count + value.utf8.count + 4 }
        // Status line, framing fields, the request id's field and the blank line fit in 112 bytes.
        var buffer = allocator.buffer(capacity: 112 + (requestID?.utf8.count ?? 0) + size + bodyCapacity)
        buffer.writeStaticString(framing.version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        writeStatusLine(status, to: &buffer)
        // The fields in one pass: each name and value copied whole, then its bytes checked.
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
            var at = 0
            for (name, value) in headers {
                // The runner owns framing: a worker's own length, encoding or connection fields are replaced.
                if Self.isFraming(name) { continue }
                guard !name.isEmpty, copy(name, to: out, at: &at, refusing: isNotTokenByte) else {
                    throw InvalidHeader(name: name)
                }
                out[at] = UInt8(ascii: ":")
                out[at + 1] = UInt8(ascii: " ")
                at += 2
                guard copy(value, to: out, at: &at, refusing: isNotFieldValueByte) else { throw InvalidHeader(name: name) }
                out[at] = UInt8(ascii: "\r")
                out[at + 1] = UInt8(ascii: "\n")
                at += 2
            }
            return at
        }
        // Made by `RequestIDs`, or a proxy's checked to be a plain token there.
        if let requestID {
            buffer.writeStaticString("X-Request-Id: ")
            buffer.writeString(requestID)
            buffer.writeStaticString("\r\n")
        }
        if let length = framing.contentLength {
            buffer.writeStaticString("Content-Length: ")
            writeDecimal(length, to: &buffer)
            buffer.writeStaticString("\r\n")
        } else {
            buffer.writeStaticString("Transfer-Encoding: chunked\r\n")
        }
        if !framing.keepAlive {
            buffer.writeStaticString("Connection: close\r\n")
        } else if framing.version.minor == 0 {
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
        return buffer
    }

    /// The code and reason phrase after the version (`"200 OK\r\n"`): the answers a worker gives
    /// most as constants, any other made from NIO's table.
    static func writeStatusLine(_ status: Int, to buffer: inout ByteBuffer) {
        switch status {
        case 200: buffer.writeStaticString("200 OK\r\n")
        case 201: buffer.writeStaticString("201 Created\r\n")
        case 204: buffer.writeStaticString("204 No Content\r\n")
        case 304: buffer.writeStaticString("304 Not Modified\r\n")
        case 400: buffer.writeStaticString("400 Bad Request\r\n")
        case 401: buffer.writeStaticString("401 Unauthorized\r\n")
        case 403: buffer.writeStaticString("403 Forbidden\r\n")
        case 404: buffer.writeStaticString("404 Not Found\r\n")
        case 405: buffer.writeStaticString("405 Method Not Allowed\r\n")
        case 409: buffer.writeStaticString("409 Conflict\r\n")
        case 413: buffer.writeStaticString("413 Payload Too Large\r\n")
        case 429: buffer.writeStaticString("429 Too Many Requests\r\n")
        case 500: buffer.writeStaticString("500 Internal Server Error\r\n")
        case 503: buffer.writeStaticString("503 Service Unavailable\r\n")
        default: buffer.writeString("\(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)\r\n")
        }
    }

    /// A non-negative integer in decimal, without making a `String` of it.
    static func writeDecimal(_ value: Int, to buffer: inout ByteBuffer) {
        precondition(value >= 0)
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: more than Int.max has digits
        withUnsafeMutableBytes(of: &digits) { raw in
            var n = value
            var start = raw.count
            repeat {
                start -= 1
                raw[start] = UInt8(truncatingIfNeeded: 48 + n % 10)
                n /= 10
            } while n > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
    }

    /// One chunk of a chunked body.
    static func chunk(_ bytes: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        let size = String(bytes.count, radix: 16)
        var buffer = allocator.buffer(capacity: size.utf8.count + bytes.count + 4)
        buffer.writeString(size)
        buffer.writeStaticString("\r\n")
        buffer.writeBytes(bytes)
        buffer.writeStaticString("\r\n")
        return buffer
    }

    static let lastChunk: StaticString = "0\r\n\r\n"

    private static func isFraming(_ name: String) -> Bool {
        // By length first: most names are none of the three, and this runs for every field.
        switch name.utf8.count {
        case 14: return Headers.equal(name, "content-length")
        case 17: return Headers.equal(name, "transfer-encoding")
        case 10: return Headers.equal(name, "connection")
        default: return false
        }
    }

    /// Copies `text` into `out` at `at` and moves `at` on; false if any of its bytes is refused.
    /// The copy is one `memcpy` and the check a loop without early exit over contiguous bytes: a
    /// worker's fields are valid but for a bug, and this runs for every field of every response.
    @inline(__always)
    private static func copy(_ text: String, to out: UnsafeMutableRawBufferPointer, at: inout Int,
                             refusing refused: (UInt8) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard !bytes.isEmpty else { return true }
            var bad = false
            for byte in bytes where refused(byte) { bad = true }
            UnsafeMutableRawBufferPointer(rebasing: out[at..<(at + bytes.count)]).copyMemory(from: UnsafeRawBufferPointer(bytes))
            at += bytes.count
            return !bad
        }
    }

    /// Not a tchar (below): the set as a 128-bit map, so each byte is one shift and mask.
    @inline(__always)
    static func isNotTokenByte(_ byte: UInt8) -> Bool {
        let low: UInt64 = 0x03FF_6CFA_0000_0000, high: UInt64 = 0x57FF_FFFF_C7FF_FFFE
        if byte >= 128 { return true }
        let map = byte < 64 ? low : high
        return (map >> UInt64(byte & 63)) & 1 == 0
    }

    @inline(__always)
    static func isNotFieldValueByte(_ byte: UInt8) -> Bool { !isFieldValueByte(byte) }

    /// RFC 9110 tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" /
    /// "|" / "~" / DIGIT / ALPHA.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
             UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
             UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    /// No CR, LF or NUL: nothing that could end the field or split the response.
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte > 0x0D || (byte != 0x0D && byte != 0x0A && byte != 0)
    }
}
