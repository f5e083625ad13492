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
        var buffer = allocator.buffer(capacity: 96 + headers.count * 48 + bodyCapacity)
        buffer.writeStaticString(framing.version.minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
        buffer.writeString(String(status))
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(HTTPResponseStatus(statusCode: status).reasonPhrase)
        buffer.writeStaticString("\r\n")
        for (name, value) in headers {
            // The runner owns framing: a worker's own length, encoding or connection fields are replaced.
            if Self.isFraming(name) { continue }
            guard isToken(name), isFieldValue(value) else { throw InvalidHeader(name: name) }
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
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
        Headers.equal(name, "content-length") || Headers.equal(name, "transfer-encoding")
            || Headers.equal(name, "connection")
    }

    /// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
    static func isToken(_ name: String) -> Bool {
        guard !name.isEmpty else { return false }
        for byte in name.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                continue
            case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
                 UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
                continue
            default:
                return false
            }
        }
        return true
    }

    static func isFieldValue(_ value: String) -> Bool {
        for byte in value.utf8 where byte == 0x0D || byte == 0x0A || byte == 0 { return false }
        return true
    }
}
