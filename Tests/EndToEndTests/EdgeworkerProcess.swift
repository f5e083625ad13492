import EdgeJSON
import Foundation
import Testing

/// The real `edgeworker` binary, run as a child process on a temporary store and config.
struct EdgeworkerBinary {
    struct Failure: Error, CustomStringConvertible { var description: String }

    /// `EDGEWORKER_BIN` (set by scripts/test), else the debug build beside these sources.
    static var path: String {
        if let path = ProcessInfo.processInfo.environment["EDGEWORKER_BIN"] { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/edgeworker").path
    }

    /// A scratch directory with a config whose store lives inside it.
    static func makeWorkspace(main: String = "HealthWorker", vars: [String: String] = [:],
                              extraConfig: String = "") throws -> String {
        let dir = NSTemporaryDirectory() + "edgeworker-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let config = """
        name = "e2e"
        main = "\(main)"
        kv_namespaces = [
          { binding = "TOKENS", id = "tokens" },
          { binding = "FLAGS", id = "flags" },
        ]

        [vars]
        ENVIRONMENT = "e2e"
        \(vars.sorted { $0.key < $1.key }.map { "\($0.key) = \"\($0.value)\"" }.joined(separator: "\n"))

        [server]
        access_log = "off"
        shutdown_grace_seconds = 5

        [storage]
        persist_to = "\(dir)/store"
        map_size_mb = 256
        \(extraConfig)
        """
        try config.write(toFile: dir + "/wrangler-like.toml", atomically: true, encoding: .utf8)
        return dir
    }

    /// Runs a command to completion; returns exit status, stdout and stderr.
    @discardableResult
    static func run(_ arguments: [String], in directory: String) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// Starts `edgeworker serve --port 0` (or another runtime executable's) and returns once it prints the port it listens on.
    static func serve(in directory: String, extra: [String] = [], executable: String = path) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["serve", "--port", "0"] + extra
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let data = out.fileHandleForReading.availableData
            if data.isEmpty { break }
            text += String(decoding: data, as: UTF8.self)
            if let range = text.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                let port = Int(text[range].split(separator: ":").last ?? "") ?? 0
                return (process, port)
            }
        }
        process.terminate()
        throw Failure(description: "serve did not start: \(text)")
    }
}

/// The flag service on a workspace of its own, running, with the first admin token made as the
/// README says (`edgeworker token create`). `stop()` ends the server and removes the workspace.
struct RunningFlagService {
    let directory: String
    let admin: String
    let server: Process
    let base: String

    static func start(extra: [String] = []) throws -> RunningFlagService {
        let directory = try EdgeworkerBinary.makeWorkspace(main: "FlagsWorker")
        do {
            let admin = try EdgeworkerBinary.run(["token", "create", "--project", "default", "--permissions", "*", "--name", "admin"],
                                                 in: directory).out.trimmingCharacters(in: .whitespacesAndNewlines)
            let (server, port) = try EdgeworkerBinary.serve(in: directory, extra: extra)
            return RunningFlagService(directory: directory, admin: admin, server: server, base: "http://127.0.0.1:\(port)")
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    func stop() {
        server.terminate()
        server.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs a client program (`arguments` through `/usr/bin/env`) that prints one JSON document, and
/// returns it; the test fails if it does not finish within a minute or exits with an error.
func runJSONClient(_ arguments: [String], name: String) async throws -> JSONValue {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    defer { if process.isRunning { process.terminate() } }
    try #require(await process.waitForExit(seconds: 60), "\(name) did not finish")
    let problems = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    try #require(process.terminationStatus == 0, "\(name) failed: \(problems)")
    return try JSONValue.parse(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
}

extension Process {
    /// Waits until the process ends or `seconds` pass, without holding a thread of the test pool
    /// (tests of other suites run on it meanwhile); whether it ended.
    func waitForExit(seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        return !isRunning
    }
}

/// Waits for a file another process creates, without holding a thread of the test pool.
func waitForFile(_ path: String, seconds: Double = 30) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while !FileManager.default.fileExists(atPath: path) {
        guard Date() < deadline else { throw EdgeworkerBinary.Failure(description: "nothing wrote \(path)") }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// The flag service's answer to one request: its status and JSON body (`.null` when not JSON).
struct Reply {
    var status: Int
    var json: JSONValue
}

/// `curl` with the status code on the last line.
func http(_ method: String, _ url: String, token: String?, body: String? = nil) throws -> Reply {
    var arguments = ["-X", method, "-w", "\n%{http_code}", url]
    if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
    if let body { arguments += ["-H", "Content-Type: application/json", "--data", body] }
    let output = try curl(arguments)
    let lines = output.split(separator: "\n", omittingEmptySubsequences: false)
    let status = Int(lines.last ?? "") ?? 0
    let text = lines.dropLast().joined(separator: "\n")
    return Reply(status: status, json: (try? JSONValue.parse(text)) ?? .null)
}

/// A tiny blocking HTTP GET over URLSession-free sockets is overkill here: curl is on every machine
/// that runs scripts/test, and it is what users call the service with.
func curl(_ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
    process.arguments = ["-s", "--max-time", "5"] + arguments
    let out = Pipe()
    process.standardOutput = out
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}
