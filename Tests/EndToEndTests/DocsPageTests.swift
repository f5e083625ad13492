import EdgeJSON
import Foundation
import Testing

/// `/docs` as a browser runs it: its script (run by Node against a small DOM stand-in, with the
/// server's real `/openapi.json`) renders a form for every operation of both dialects, and one
/// form's "Try it" sends the request with the bearer and shows the server's answer.
@Suite("End to end: the interactive /docs page", .serialized)
struct DocsPageTests {
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/docs_page.mjs").path

    @Test func everyOperationIsRenderedAndTryItAsksTheServer() async throws {
        guard (try? EdgeworkerBinary.runTool("node", ["--version"]).status) == 0 else {
            Issue.record("node is missing (scripts/test installs nodejs)")
            return
        }
        let service = try RunningFlagService.start()
        defer { service.stop() }
        let created = try http("POST", service.base + "/api/v1/flags", token: service.admin,
                               body: #"{"key":"dark-mode","enabled":true,"value":"on"}"#)
        try #require(created.status == 201)
        let seen = try await runJSONClient(["node", Self.client, service.base, service.admin], name: "the page's script")

        let operations = try #require(seen["operations"]?.doubleValue)
        #expect(operations > 60)
        #expect(seen["rendered"]?.doubleValue == operations)
        let headings = seen["headings"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(headings.contains("flags") && headings.contains("evaluation"))
        let tried = seen["tried"]?.stringValue ?? ""
        #expect(tried.hasPrefix("200 OK"), "\(tried)")
        #expect(tried.contains(#""value":"on""#), "\(tried)")
    }
}
