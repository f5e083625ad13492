import EdgeJSON
import Foundation
import Testing

/// `edgeworker init` makes a package that builds, passes its own tests and serves its worker with
/// the runtime's whole command line — the path a Swift developer takes, end to end.
///
/// Build time: the new package is built into this checkout's own scratch folder (`.build`, with
/// SwiftPM's `--ignore-lock`, since the `swift test` running this holds its lock). The runtime's
/// dependencies and most modules are then already compiled, so only the new package's targets and
/// what SwiftPM rebuilds for it are compiled: minutes less than a build of its own on CI's 2 cores.
@Suite("edgeworker init: a package on the runtime", .serialized)
struct InitPackageTests {
    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path

    /// Runs `arguments` (through `/usr/bin/env`) in `directory` with its output in a log file;
    /// fails the test with the log's end when it exits non-zero or outlasts `seconds`.
    static func run(_ arguments: [String], in directory: String, seconds: Double) async throws -> String {
        let log = NSTemporaryDirectory() + "edgeworker-init-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        defer { try? FileManager.default.removeItem(atPath: log) }
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        let finished = await process.waitForExit(seconds: seconds)
        try output.close()
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        let command = arguments.joined(separator: " ")
        try #require(finished, "\(command) did not finish within \(Int(seconds)) s: \(text.suffix(3000))")
        try #require(process.terminationStatus == 0, "\(command) failed: \(text.suffix(3000))")
        return text
    }

    /// Serves the package with its own binary on a free port for `body`, then stops it as an
    /// operator does (SIGTERM) and waits until it has closed its store.
    static func serving(_ binary: String, in directory: String, _ body: (String) throws -> Void) async throws {
        let (server, port) = try EdgeworkerBinary.serve(in: directory, executable: binary)
        defer { if server.isRunning { server.terminate() } }
        try body("http://127.0.0.1:\(port)")
        server.terminate()
        try #require(await server.waitForExit(seconds: 30), "the server did not stop on SIGTERM")
    }

    @Test func initRefusesANameThatIsNotAPackageNameAndARuntimePathWithoutAPackage() throws {
        let root = NSTemporaryDirectory() + "edgeworker-init-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        for name in ["../escape", "9lives", "has space", ""] {
            let refused = try EdgeworkerBinary.run(["init", name], in: root)
            #expect(refused.status != 0)
            #expect(refused.err.contains("NAME must start with a letter"), "init \(name): \(refused.err)")
        }
        let noPackage = try EdgeworkerBinary.run(["init", "ok", "--runtime-path", root], in: root)
        #expect(noPackage.status != 0)
        #expect(noPackage.err.contains("holds no Package.swift"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).isEmpty, "a refused init wrote files")
    }

    @Test func initBuildsTestsServesAndSnapshotsANewPackage() async throws {
        let started = ContinuousClock.now
        let root = NSTemporaryDirectory() + "edgeworker-init-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let package = root + "/hello-edge"

        let created = try EdgeworkerBinary.run(["init", "hello-edge", "--path", package, "--runtime-path", Self.checkout],
                                               in: root)
        try #require(created.status == 0, "init failed: \(created.err)")
        for file in ["Package.swift", "Sources/hello-edge/main.swift", "Sources/hello-edge/HelloEdgeWorker.swift",
                     "Tests/HelloEdgeTests/HelloEdgeWorkerTests.swift", "wrangler-like.toml", "public/about.html",
                     "README.md", ".gitignore"] {
            #expect(FileManager.default.fileExists(atPath: package + "/" + file), "init wrote no \(file)")
        }
        // A second init into the same folder refuses rather than overwriting the work there.
        #expect(try EdgeworkerBinary.run(["init", "hello-edge", "--path", package], in: root).status != 0)

        let scratch = ["--scratch-path", Self.checkout + "/.build", "--ignore-lock"]
        _ = try await Self.run(["swift", "build", "--build-tests"] + scratch, in: package, seconds: 1800)
        let built = ContinuousClock.now
        let tests = try await Self.run(["swift", "test", "--skip-build"] + scratch, in: package, seconds: 300)
        #expect(tests.contains("counterCountsInKV"), "the generated tests did not run: \(tests.suffix(2000))")
        let binary = Self.checkout + "/.build/debug/hello-edge"

        try await Self.serving(binary, in: package) { base in
            #expect(try curl([base + "/"]) == "Hello from hello-edge!\n")
            #expect(try http("POST", base + "/counter", token: nil).json["count"]?.doubleValue == 1)
            #expect(try http("POST", base + "/counter", token: nil).json["count"]?.doubleValue == 2)
            let asset = try curl(["-i", base + "/about.html"])
            #expect(asset.hasPrefix("HTTP/1.1 200"))
            #expect(asset.lowercased().contains("content-type: text/html; charset=utf-8"))
            #expect(asset.lowercased().contains("etag: \""))
            #expect(asset.contains("A static asset, served before the worker."))
            // No file by that name: the worker answers, with its own 404.
            #expect(try http("GET", base + "/missing.css", token: nil).status == 404)
        }
        try await Self.serving(binary, in: package) { base in
            let count = try http("POST", base + "/counter", token: nil).json["count"]?.doubleValue
            #expect(count == 3, "the KV counter did not survive the restart")
        }

        let snapshot = try await Self.run([binary, "snapshot", "create", root + "/backup.mdb"], in: package, seconds: 60)
        #expect(snapshot.contains("Snapshot written to"))
        #expect(FileManager.default.fileExists(atPath: root + "/backup.mdb"))
        let count = try await Self.run([binary, "kv", "key", "get", "count", "--binding", "COUNTER"], in: package, seconds: 60)
        #expect(count.trimmingCharacters(in: .whitespacesAndNewlines) == "3")

        let seconds = { (d: Duration) in Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        print("init e2e: build \(Int(seconds(built - started))) s, whole test \(Int(seconds(ContinuousClock.now - started))) s")
    }
}
