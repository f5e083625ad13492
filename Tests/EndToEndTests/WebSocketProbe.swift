import EdgeJSON
import Foundation

/// A real third-party WebSocket client (Python's `websockets`) subscribed to `/stream/flags`: it
/// prints the snapshot, waits until the test has made its change, then prints the next message and
/// how long it took to come.
struct WebSocketProbe: @unchecked Sendable {
    struct Heard {
        var snapshot: JSONValue
        var next: JSONValue
        var seconds: Double
    }

    let process: Process
    let output: Pipe
    let directory: String

    static var available: Bool { (try? EdgeworkerBinary.runTool("python3", ["-c", "import websockets"]).status) == 0 }

    /// Connects to `url` (`ws://…/stream/flags?token=…`), subscribes with `context` (JSON) and returns
    /// once the snapshot has arrived.
    static func subscribe(_ url: String, context: String, directory: String) async throws -> WebSocketProbe {
        let ready = directory + "/ws-ready", changed = directory + "/ws-changed"
        let script = """
        import asyncio, json, os, time, websockets
        async def main():
            async with websockets.connect("\(url)") as ws:
                await ws.send(json.dumps({"type": "subscribe", "context": \(context)}))
                print(await asyncio.wait_for(ws.recv(), 5), flush=True)
                open("\(ready)", "w").close()
                while not os.path.exists("\(changed)"):
                    await asyncio.sleep(0.01)
                started = time.monotonic()
                print(await asyncio.wait_for(ws.recv(), 5), flush=True)
                print(time.monotonic() - started, flush=True)
        asyncio.run(main())
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let deadline = Date().addingTimeInterval(10)
        while !FileManager.default.fileExists(atPath: ready) && Date() < deadline && process.isRunning {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        return WebSocketProbe(process: process, output: output, directory: directory)
    }

    /// Call right after making the change: what the client heard, or nil (with its output) if not.
    func collect() async -> Result<Heard, EdgeworkerBinary.Failure> {
        _ = FileManager.default.createFile(atPath: directory + "/ws-changed", contents: nil)
        let (output, process) = (self.output, self.process)
        let text = (try? await offPool { () -> String in
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return String(decoding: data, as: UTF8.self)
        }) ?? ""
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.count == 3, let snapshot = try? JSONValue.parse(lines[0]), let next = try? JSONValue.parse(lines[1]),
              let seconds = Double(lines[2]) else {
            return .failure(EdgeworkerBinary.Failure(description: "the WebSocket client printed: \(text)"))
        }
        return .success(Heard(snapshot: snapshot, next: next, seconds: seconds))
    }
}
