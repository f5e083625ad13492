import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// A project is compiled once per change of what it reads, and only then: changes elsewhere in
/// `FLAGS` keep the compiled project, and concurrent requests share one compile.
@Suite("Compiled projects")
struct ProjectCacheTests {
    @Test func changesOutsideTheProjectKeepItsCompiledRuleset() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "beta", "enabled": true, "value": "on"])
        #expect(await api.evaluate("beta", ["user_id": "u1"]).0 == "on")
        let compiled = api.service.projects.compileCount
        let flags = try #require(api.env.kv["FLAGS"])
        // Another project's flag, an audit entry and a webhook delivery of this one: none is read.
        _ = try await flags.put("flag:other:beta", #"{"key":"beta","enabled":false,"value":"x"}"#)
        _ = try await flags.put("audit:default:0000000000000000001:abcdef", "{}")
        _ = try await flags.put("delivery:w1:0000000000000000001:abcdef", "{}")
        #expect(await api.evaluate("beta", ["user_id": "u1"]).0 == "on")
        #expect(api.service.projects.compileCount == compiled)
        #expect(try api.service.snapshot(project: "default").sequence == flags.sequence)

        // A change of the project's own flag is compiled, and seen by the very next request.
        #expect(await api.call("PUT", "/api/v1/flags/beta", json: ["key": "beta", "enabled": true, "value": "changed"]).status == 200)
        #expect(await api.evaluate("beta", ["user_id": "u1"]).0 == "changed")
        #expect(api.service.projects.compileCount == compiled + 1)
    }

    @Test func eachKindOfInputRecompilesTheProject() async throws {
        let api = try await FlagsHarness()
        let flags = try #require(api.env.kv["FLAGS"])
        _ = try api.service.snapshot(project: "default")
        for key in ["flag:default:x", "segment:default:s", "config:default:c", "flagstate:default:x:e1",
                    "environment:default:e1"] {
            let before = api.service.projects.compileCount
            _ = try await flags.put(key, "{}")
            _ = try api.service.snapshot(project: "default")
            #expect(api.service.projects.compileCount == before + 1, "after a change of \(key)")
        }
    }

    @Test func concurrentRequestsAfterAChangeShareOneCompile() async throws {
        let api = try await FlagsHarness()
        for i in 0..<200 {
            _ = try await api.env.kv["FLAGS"]!.put("flag:default:f\(i)", JSONValue.object([
                "key": .string("f\(i)"), "enabled": true, "value": .string("v\(i)"), "version": 1,
            ]).serialized())
        }
        let service = api.service
        let before = service.projects.compileCount
        let sequences = await withTaskGroup(of: UInt64?.self) { group in
            for _ in 0..<16 {
                group.addTask { try? service.snapshot(project: "default").sequence }
            }
            return await group.reduce(into: [UInt64?]()) { $0.append($1) }
        }
        #expect(Set(sequences) == [api.env.kv["FLAGS"]!.sequence])
        #expect(service.projects.compileCount == before + 1)
        #expect(try service.snapshot(project: "default").ruleset.flagCount == 200)
    }

    @Test func aStartCompilesEveryProjectBeforeTheFirstRequest() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "beta", "enabled": true, "value": "on"])
        let fresh = FlagsWorker()
        try await fresh.prepare(env: api.env)
        let service = try fresh.service(env: api.env)
        for _ in 0..<500 where service.projects.compileCount == 0 { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(service.projects.compileCount == 1)
        #expect(try service.snapshot(project: "default").ruleset.containsFlag("beta"))
        #expect(service.projects.compileCount == 1)
    }
}
