import Foundation
import Testing

/// schemathesis (property-based API testing from the OpenAPI document) against the real binary:
/// every operation of `/openapi.json`, all its checks (no 5xx, documented statuses, content types and
/// bodies, invalid input refused, valid input accepted, auth not ignored, deleted resources gone),
/// a fixed seed and a bounded number of examples. The exceptions, each with its reason, are in
/// `Resources/schemathesis.toml`; README "Fuzzing" has the unbounded run.
@Suite("End to end: schemathesis against /openapi.json", .serialized)
struct SchemathesisTests {
    static let configuration = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Resources/schemathesis.toml").path

    @Test func theServiceConformsToItsOwnOpenAPIDocument() async throws {
        // As a module, so that a pip install whose scripts are not on the PATH works too.
        let version = (try? EdgeworkerBinary.runTool("python3", ["-m", "schemathesis.cli", "--version"]))?.out ?? ""
        guard version.contains("version 4.") else {
            Issue.record("schemathesis 4 is missing (pip install 'schemathesis>=4.32,<5'; scripts/test installs it)")
            return
        }
        // Limits high enough that the fuzzer meets the API, not the rate limiter.
        let dir = try EdgeworkerBinary.makeWorkspace(main: "FlagsWorker", vars: [
            "RATE_LIMIT_MANAGEMENT_PER_MINUTE": "1000000", "RATE_LIMIT_EVALUATIONS_PER_MINUTE": "1000000",
            "RATE_LIMIT_AUTH_PER_MINUTE": "1000000", "RATE_LIMIT_API_KEY_PER_MINUTE": "1000000",
        ])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let admin = try EdgeworkerBinary.run(["token", "create", "--project", "default", "--permissions", "*", "--name", "fuzzer"],
                                             in: dir).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let (server, port) = try EdgeworkerBinary.serve(in: dir)
        defer { server.terminate(); server.waitUntilExit() }

        let log = dir + "/schemathesis.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let fuzzer = Process()
        fuzzer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        fuzzer.arguments = ["python3", "-m", "schemathesis.cli", "--config-file", Self.configuration, "run",
                            "http://127.0.0.1:\(port)/openapi.json", "-H", "Authorization: Bearer \(admin)",
                            "--max-examples", "15", "--seed", "1", "--workers", "1", "--request-timeout", "5",
                            "--generation-database", "none", "--no-color"]
        fuzzer.currentDirectoryURL = URL(fileURLWithPath: dir)
        fuzzer.standardOutput = output
        fuzzer.standardError = output
        try fuzzer.run()
        if await !fuzzer.waitForExit(seconds: 240) { fuzzer.terminate() }
        fuzzer.waitUntilExit()
        try output.close()
        let report = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        #expect(fuzzer.terminationReason == .exit && fuzzer.terminationStatus == 0,
                "schemathesis found failures (or ran out of time):\n\(report.suffix(12_000))")
        #expect(report.contains("generated") && report.contains(" passed"), "\(report.suffix(2_000))")
    }
}
