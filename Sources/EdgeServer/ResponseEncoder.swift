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

    static func head(status: Int, headers: Headers, framing: Framing, bodyCapacity: Int = 0,
                     allocator: ByteBufferAllocator) throws -> ByteBuffer {
        var size = 0
        for (name, value) in headers { size += name.utf8.count + value.utf8.count + 4 }
        // Status line, framing fields and the blank line fit in 96 bytes.
        var buffer = allocator.buffer(capacity: 96 + size + bodyCapacity)
        buffer.writeStaticString(framing.version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        if let line = Self.commonStatusLines[status] {
            buffer.writeBytes(line)
        } else {
            buffer.writeString(Self.statusLine(status))
        }
        // The fields in one copy into the buffer, each byte checked on its way.
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
            var at = 0
            for (name, value) in headers {
                // The runner owns framing: a worker's own length, encoding or connection fields are replaced.
                if Self.isFraming(name) { continue }
                guard !name.isEmpty, copy(name, to: out, at: &at, valid: isTokenByte),
                      copy(": ", to: out, at: &at, valid: { _ in true }),
                      copy(value, to: out, at: &at, valid: isFieldValueByte),
                      copy("\r\n", to: out, at: &at, valid: { _ in true }) else { throw InvalidHeader(name: name) }
            }
            return at
        }
        if let length = framing.contentLength {
            buffer.writeStaticString("Content-Length: ")
            buffer.writeString(String(length))
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

    /// `"200 OK\r\n"`: the code and reason phrase after the version.
    private static func statusLine(_ status: Int) -> String {
        "\(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)\r\n"
    }

    /// The status lines of the answers a worker gives most, made once.
    private static let commonStatusLines: [Int: [UInt8]] = Dictionary(uniqueKeysWithValues:
        [200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 413, 429, 500, 503].map { ($0, Array(statusLine($0).utf8)) })

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

    /// Copies `text` into `out` at `at` (moving it on) if every byte is `valid`.
    @inline(__always)
    private static func copy(_ text: String, to out: UnsafeMutableRawBufferPointer, at: inout Int,
                             valid: (UInt8) -> Bool) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            for (offset, byte) in bytes.enumerated() {
                guard valid(byte) else { return false }
                out[at + offset] = byte
            }
            at += bytes.count
            return true
        }
    }

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
