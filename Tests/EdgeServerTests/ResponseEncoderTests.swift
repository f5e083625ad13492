@testable import EdgeServer
import EdgeWorker
import NIOCore
import NIOHTTP1
import Testing

@Suite("Runner: response heads on the wire")
struct ResponseEncoderTests {
    private func head(_ status: Int, _ headers: Headers, length: Int? = 2, keepAlive: Bool = true,
                      minor: Int = 1) throws -> String {
        let framing = ResponseEncoder.Framing(version: .init(major: 1, minor: minor), keepAlive: keepAlive,
                                              contentLength: length)
        let buffer = try ResponseEncoder.head(status: status, headers: headers, framing: framing,
                                              allocator: ByteBufferAllocator())
        return String(buffer: buffer)
    }

    @Test func fieldsAreWrittenInOrderAndTheRunnerFramesTheBody() throws {
        let text = try head(200, ["Content-Type": "application/json", "ETag": "\"abc\"", "X-Empty": "",
                                  "content-length": "999", "Connection": "upgrade", "Transfer-Encoding": "gzip"],
                            length: 1234567)
        #expect(text == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"abc\"\r\nX-Empty: \r\n"
                + "Content-Length: 1234567\r\n\r\n")
        #expect(try head(404, [:], length: nil, keepAlive: false)
                == "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
        #expect(try head(204, [:], length: 0, minor: 0)
                == "HTTP/1.0 204 No Content\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n")
    }

    @Test func fieldsThatCouldSplitTheResponseAreRefused() {
        for value in ["a\r\nSet-Cookie: x=1", "a\nb", "a\rb", "a\u{0}b"] {
            #expect(throws: ResponseEncoder.InvalidHeader.self) { try head(200, ["X-Echo": value]) }
        }
        for name in ["Bad Name", "Bad:Name", "", "Ünicode", "a\r\nb", "(x)"] {
            #expect(throws: ResponseEncoder.InvalidHeader.self) { try head(200, [name: "v"]) }
        }
        // Tabs and bytes above 0x7F are allowed in values (obs-text).
        #expect((try? head(200, ["X-Note": "a\tb é"])) != nil)
    }

    @Test func theTokenMapIsRFC9110sTchar() {
        for byte in UInt8.min...UInt8.max {
            #expect(ResponseEncoder.isNotTokenByte(byte) == !ResponseEncoder.isTokenByte(byte), "byte \(byte)")
        }
    }

    @Test func statusLinesMatchTheirCodes() {
        for code in 100...599 {
            let status = HTTPResponseStatus(statusCode: code)
            var buffer = ByteBufferAllocator().buffer(capacity: 64)
            ResponseEncoder.writeStatusLine(code, to: &buffer)
            #expect(String(buffer: buffer) == "\(code) \(status.reasonPhrase)\r\n")
        }
    }

    @Test func lengthsAreWrittenInDecimal() {
        for value in [0, 7, 9, 10, 99, 100, 65_535, 1_234_567_890, Int.max] {
            var buffer = ByteBufferAllocator().buffer(capacity: 32)
            ResponseEncoder.writeDecimal(value, to: &buffer)
            #expect(String(buffer: buffer) == String(value))
        }
    }
}
