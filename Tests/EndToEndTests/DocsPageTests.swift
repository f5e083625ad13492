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
        let dir = try EdgeworkerBinary.makeWorkspace(main: "FlagsWorker")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let admin = try EdgeworkerBinary.run(["token", "create", "--project", "default", "--permissions", "*", "--name", "admin"],
                                             in: dir).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, port) = try EdgeworkerBinary.serve(in: dir)
        defer { server.terminate(); server.waitUntilExit() }
        let base = "http://127.0.0.1:\(port)"
        let created = try http("POST", base + "/api/v1/flags", token: admin, body: #"{"key":"dark-mode","enabled":true,"value":"on"}"#)
        try #require(created.status == 201)

        let node = Process()
        node.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        node.arguments = ["node", Self.client, base, admin]
        let out = Pipe(), err = Pipe()
        node.standardOutput = out
        node.standardError = err
        try node.run()
        defer { if node.isRunning { node.terminate() } }
        try #require(await node.waitForExit(seconds: 60), "the page's script did not finish")
        let problems = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        try #require(node.terminationStatus == 0, "the page's script failed: \(problems)")
        let seen = try JSONValue.parse(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))

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
