import EdgeJSON
import EdgeKV
import Foundation
import Testing
@testable import EdgeWorker

/// A small worker over `env.kv["FLAGS"]` and `env.setting`, for exercising the harness.
struct FlagsTestWorker: Worker {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "database password is hunter2" }
    }

    /// Background work started by `POST /touch/:key` waits on this before writing.
    let gate: Gate?

    init(gate: Gate? = nil) { self.gate = gate }

    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        var router = Router<String>()
        router.add("GET", "/flags/:key", "get")
        router.add("PUT", "/flags/:key", "put")
        router.add("POST", "/touch/:key", "touch")
        router.add("GET", "/setting/:name", "setting")
        router.add("GET", "/boom", "boom")
        switch router.match(method: request.method, path: request.path) {
        case .notFound:
            return .json(["error": "not found"], status: 404)
        case .methodNotAllowed(let allowed):
            return Response(status: 405, headers: ["Allow": allowed.joined(separator: ", ")])
        case .found(let route, let params):
            guard let flags = env.kv["FLAGS"] else { throw Boom() }
            switch route {
            case "get":
                guard let value = try flags.getText(params["key"]!) else { return .json(["error": "not found"], status: 404) }
                return .text(value)
            case "put":
                let ttl = request.queryParameter("ttl").flatMap { Int64($0) }
                try await flags.put(params["key"]!, request.body, options: KVPutOptions(expirationTTL: ttl))
                return Response(status: 204)
            case "touch":
                let key = params["key"]!
                let gate = self.gate
                ctx.waitUntil {
                    await gate?.wait()
                    _ = try? await flags.put(key, "touched")
                }
                return .json(["accepted": true], status: 202)
            case "setting":
                guard let value = env.setting(params["name"]!) else { return .json(["error": "unset"], status: 404) }
                return .text(value)
            default:
                throw Boom()
            }
        }
    }
}

@Suite("WorkerHarness: in-process dispatch")
struct WorkerHarnessTests {
    @Test func dispatchReturnsTheWorkersResponseAndKVRoundTrips() async throws {
        let harness = try WorkerHarness(worker: FlagsTestWorker(), namespaces: ["FLAGS", "TOKENS"])
        let missing = await harness.dispatch("GET", "/flags/dark-mode")
        #expect(missing.status == 404)

        let put = await harness.dispatch("PUT", "/flags/dark-mode", body: "{\"on\":true}")
        #expect(put.status == 204)
        let got = await harness.dispatch("GET", "/flags/dark-mode")
        #expect(got.status == 200)
        #expect(got.bodyText == "{\"on\":true}")
        #expect(got.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(try harness.env.kv["FLAGS"]?.getText("dark-mode") == "{\"on\":true}")
        // The binding is the lower-cased namespace id.
        #expect(harness.env.kv["FLAGS"]?.id == "flags")
        #expect(harness.env.kv["TOKENS"] != nil)

        let notAllowed = await harness.dispatch("DELETE", "/flags/dark-mode")
        #expect(notAllowed.status == 405)
        #expect(notAllowed.headers["Allow"] == "GET, PUT")
    }

    @Test func percentEncodedKeysReachKVDecoded() async throws {
        let harness = try WorkerHarness(worker: FlagsTestWorker(), namespaces: ["FLAGS", "TOKENS"])
        _ = await harness.dispatch("PUT", "/flags/a%20b", body: "v")
        #expect(try harness.env.kv["FLAGS"]?.getText("a b") == "v")
    }

    @Test func settingsComeFromSecretsThenVars() async throws {
        let harness = try WorkerHarness(worker: FlagsTestWorker(), namespaces: ["FLAGS", "TOKENS"],
                                        vars: ["ENVIRONMENT": "development", "LIMIT": 10, "API_KEY": "from-vars"],
                                        secrets: ["API_KEY": "from-secret"])
        #expect(await harness.dispatch("GET", "/setting/ENVIRONMENT").bodyText == "development")
        #expect(await harness.dispatch("GET", "/setting/LIMIT").bodyText == "10")
        #expect(await harness.dispatch("GET", "/setting/API_KEY").bodyText == "from-secret")
        #expect(await harness.dispatch("GET", "/setting/NOPE").status == 404)
    }

    @Test func aThrowingWorkerGives500WithAGenericBody() async throws {
        let harness = try WorkerHarness(worker: FlagsTestWorker(), namespaces: ["FLAGS", "TOKENS"])
        let response = await harness.dispatch("GET", "/boom")
        #expect(response.status == 500)
        #expect(response.headers["Content-Type"] == "application/json")
        let body = try #require(response.bodyBytes)
        #expect(try JSONValue.parse(body) == .object(["error": .string("Internal Server Error")]))
        let text = response.bodyText ?? ""
        #expect(!text.contains("hunter2"))
        #expect(!text.contains("Boom"))
    }

    @Test func aMissingBindingIsAlsoAGeneric500() async throws {
        let harness = try WorkerHarness(worker: FlagsTestWorker(), namespaces: ["TOKENS"])
        let response = await harness.dispatch("GET", "/flags/x")
        #expect(response.status == 500)
        #expect(response.bodyText?.contains("hunter2") == false)
    }

    @Test func waitUntilWorkCompletesAfterSettle() async throws {
        let gate = Gate()
        let harness = try WorkerHarness(worker: FlagsTestWorker(gate: gate), namespaces: ["FLAGS", "TOKENS"])
        let response = await harness.dispatch("POST", "/touch/last-used")
        #expect(response.status == 202)
        // The response came back while the background work is still held.
        #expect(harness.background.running == 1)
        #expect(try harness.env.kv["FLAGS"]?.getText("last-used") == nil)
        gate.open()
        await harness.settle()
        #expect(harness.background.running == 0)
        #expect(try harness.env.kv["FLAGS"]?.getText("last-used") == "touched")
    }

    @Test func injectedClockReachesTheStoreSoTTLsExpire() async throws {
        let clock = TestClock(1_800_000_000)
        let harness = try WorkerHarness(worker: FlagsTestWorker(), namespaces: ["FLAGS", "TOKENS"], clock: clock.function)
        #expect(harness.env.clock() == 1_800_000_000)
        #expect(await harness.dispatch("PUT", "/flags/session?ttl=60", body: "s").status == 204)
        #expect(await harness.dispatch("PUT", "/flags/forever", body: "f").status == 204)
        #expect(await harness.dispatch("GET", "/flags/session").bodyText == "s")

        clock.advance(by: 59)
        #expect(await harness.dispatch("GET", "/flags/session").status == 200)

        clock.advance(by: 2)  // 61 s after the put
        #expect(harness.env.clock() == 1_800_000_061)
        #expect(await harness.dispatch("GET", "/flags/session").status == 404)
        #expect(try harness.env.kv["FLAGS"]?.getText("session") == nil)
        #expect(await harness.dispatch("GET", "/flags/forever").bodyText == "f")
    }

    @Test func ttlBelowSixtySecondsIsRejectedAsAnError() async throws {
        let harness = try WorkerHarness(worker: FlagsTestWorker(), namespaces: ["FLAGS", "TOKENS"])
        #expect(await harness.dispatch("PUT", "/flags/k?ttl=10", body: "v").status == 500)
    }

    @Test func ownedTemporaryDirectoryIsRemovedWhenTheHarnessGoesAway() throws {
        var harness: WorkerHarness? = try WorkerHarness(worker: FlagsTestWorker(), namespaces: ["FLAGS", "TOKENS"])
        let dir = try #require(harness?.directory)
        #expect(FileManager.default.fileExists(atPath: dir))
        harness = nil
        #expect(!FileManager.default.fileExists(atPath: dir))
    }
}
