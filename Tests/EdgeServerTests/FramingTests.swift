import EdgeJSON
@testable import EdgeServer
import Testing

/// RFC 9112 framing the runner enforces for every worker, beyond what llhttp refuses.
@Suite("Runner: request framing", .serialized)
struct FramingTests {
    /// Sends `request` on a new connection and returns the answer, which must end the connection
    /// when it is a refusal.
    private func answer(_ request: String, port: Int) async throws -> RawHTTPClient.Response {
        let client = try RawHTTPClient(port: port)
        try client.send(request)
        let response = try #require(await client.readResponse())
        if response.status >= 400 && response.status != 404 {
            #expect(response.headers["connection"] == "close")
            #expect(await client.isClosedByPeer())
        }
        return response
    }

    /// The runner's own error body: JSON with `error` and `code`.
    private func expectRunnerError(_ response: RawHTTPClient.Response, _ statuses: Int...) throws {
        #expect(statuses.contains(response.status), "status \(response.status): \(response.text)")
        let body = try JSONValue.parse(response.body)
        #expect(body["code"]?.stringValue != nil)
        #expect(body["error"]?.stringValue != nil)
    }

    @Test func anHTTP11RequestWithoutHostIs400() async throws {
        try await withRunner { _, port, _ in
            try expectRunnerError(try await answer("GET /hello HTTP/1.1\r\n\r\n", port: port), 400)
        }
    }

    @Test func aRequestWithTwoHostFieldsIs400() async throws {
        try await withRunner { _, port, _ in
            try expectRunnerError(try await answer("GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", port: port), 400)
            try expectRunnerError(try await answer("GET /hello HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n", port: port), 400)
        }
    }

    @Test func anHTTP10RequestMayOmitHost() async throws {
        try await withRunner { _, port, _ in
            let response = try await answer("GET /hello HTTP/1.0\r\n\r\n", port: port)
            #expect(response.text == "hello")
        }
    }

    @Test func aTransferEncodingOtherThanChunkedIsRefused() async throws {
        try await withRunner { _, port, _ in
            for coding in ["identity, chunked", "gzip, chunked", "chunked, chunked"] {
                let request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: \(coding)\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
                // llhttp itself refuses some of these as malformed (400); the rest are the runner's 501.
                try expectRunnerError(try await answer(request, port: port), 400, 501)
            }
            let twice = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            try expectRunnerError(try await answer(twice, port: port), 400, 501)
        }
    }

    @Test func chunkedAloneIsAccepted() async throws {
        try await withRunner { _, port, _ in
            let request = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
            let response = try await answer(request, port: port)
            #expect(response.text == "POST 3 -")
        }
    }

    @Test func aPathThatIsNotPercentEncodedUTF8Is400() async throws {
        try await withRunner { _, port, _ in
            for path in ["/%FF", "/a/%C3", "/%zz/b", "/%"] {
                try expectRunnerError(try await answer("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n", port: port), 400)
            }
        }
    }

    @Test func aPercentEncodedUTF8PathOrAQueryEscapeReachesTheWorker() async throws {
        try await withRunner { _, port, _ in
            // The worker's own 404: the runner let it through.
            let accented = try await answer("GET /caf%C3%A9 HTTP/1.1\r\nHost: x\r\n\r\n", port: port)
            #expect(accented.status == 404)
            #expect(try JSONValue.parse(accented.body)["error"]?.stringValue == "Not found")
            // A bad escape in the query is the worker's business, not framing.
            let query = try await answer("GET /echo?q=%FF HTTP/1.1\r\nHost: x\r\n\r\n", port: port)
            #expect(query.status == 200)
        }
    }

    @Test func pathDecodingIsCheckedBeforeTheQueryOnly() {
        #expect(HTTPHandler.pathDecodes("/plain?x=%FF"))
        #expect(HTTPHandler.pathDecodes("/caf%C3%A9?x=1"))
        #expect(!HTTPHandler.pathDecodes("/%C3?x=1"))
        #expect(!HTTPHandler.pathDecodes("/a%2"))
    }
}
