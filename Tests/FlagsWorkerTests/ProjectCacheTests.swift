import EdgeJSON
import EdgeWorker
import FlagEngine
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

        // A change of the project's own flag is compiled (that flag alone), and seen by the very next request.
        let patches = api.service.projects.patchCount
        #expect(await api.call("PUT", "/api/v1/flags/beta", json: ["key": "beta", "enabled": true, "value": "changed"]).status == 200)
        #expect(await api.evaluate("beta", ["user_id": "u1"]).0 == "changed")
        #expect(api.service.projects.compileCount == compiled)
        #expect(api.service.projects.patchCount == patches + 1)
    }

    @Test func segmentsAndEnvironmentsRecompileTheWholeProject() async throws {
        let api = try await FlagsHarness()
        let flags = try #require(api.env.kv["FLAGS"])
        _ = try api.service.snapshot(project: "default")
        for key in ["segment:default:s", "environment:default:e1"] {
            let before = api.service.projects.compileCount
            _ = try await flags.put(key, "{}")
            _ = try api.service.snapshot(project: "default")
            #expect(api.service.projects.compileCount == before + 1, "after a change of \(key)")
        }
    }

    /// Every step's patched project answers exactly as a project built whole from the store.
    @Test func flagAndConfigChangesArePatchedAndAnswerAsAWholeBuild() async throws {
        let api = try await FlagsHarness()
        #expect(await api.call("POST", "/api/v1/segments", json: [
            "key": "pros", "conditions": [["property": "plan", "operator": "in", "value": ["pro"]]],
        ]).status == 201)
        for i in 0..<30 {
            await api.createFlag([
                "key": .string("f\(i)"), "enabled": true, "type": "string", "defaultValue": "off",
                "targeting": ["rules": [["conditions": [["property": "segment", "operator": "in", "value": ["pros"]]],
                                         "value": .string("pro-\(i)")]],
                              "rollout": ["percentage": .number(Double(i * 3))]],
                // An environment some flag overrides; a change bringing one no flag had compiles whole.
                "environments": i == 0 ? ["production": ["value": "p0"]] : [:],
            ])
        }
        #expect(await api.call("POST", "/api/v1/configs", json: ["key": "limits", "value": ["max": 1]]).status == 201)
        _ = try api.service.snapshot(project: "default")
        let compiled = api.service.projects.compileCount, patches = api.service.projects.patchCount
        let steps: [(String, String, JSONValue?)] = [
            ("PUT", "/api/v1/flags/f3", ["key": "f3", "enabled": false, "type": "string", "defaultValue": "off"]),
            ("POST", "/api/v1/flags", ["key": "a-new", "enabled": true, "type": "string", "value": "fixed"]),
            ("DELETE", "/api/v1/flags/f7", nil),
            ("PUT", "/api/v1/flags/f9", ["key": "f9", "enabled": true, "type": "string", "value": "nine",
                                         "environments": ["production": ["value": "prod-nine"]]]),
            ("PUT", "/api/v1/configs/limits", ["key": "limits", "value": ["max": 2]]),
            ("POST", "/api/v1/configs", ["key": "another", "value": "x"]),
        ]
        for (step, (method, path, body)) in steps.enumerated() {
            let response: APIResponse
            if let body { response = await api.call(method, path, json: body) } else { response = await api.call(method, path) }
            #expect((200..<300).contains(response.status), "\(method) \(path): \(response.text)")
            let patched = try api.service.snapshot(project: "default")
            let whole = try ProjectSnapshot.build(project: "default", store: api.service.flags, sequence: 0)
            #expect(api.service.projects.patchCount == patches + step + 1)
            #expect(patched.ruleset.flagKeys == whole.ruleset.flagKeys)
            #expect(patched.configs.map(\.key) == whole.configs.map(\.key))
            #expect(patched.configs.map(\.value) == whole.configs.map(\.value))
            for i in 0..<50 {
                let context = EvaluationContext(targetingKey: "user-\(i)", plan: i % 2 == 0 ? "pro" : "free",
                                                environment: i % 3 == 0 ? "production" : nil)
                let a = patched.ruleset.evaluateAll(context: context, now: api.clock.now)
                let b = whole.ruleset.evaluateAll(context: context, now: api.clock.now)
                #expect(a.map(\.value) == b.map(\.value) && a.map(\.reason) == b.map(\.reason))
                #expect(a.map(\.declaredType) == b.map(\.declaredType))
            }
        }
        #expect(api.service.projects.compileCount == compiled)
    }

    @Test func featureSignalsToggleAndStateChangesArePatched() async throws {
        let fs = try await FSHarness()
        let account = try await fs.register()
        let key = try await fs.apiKey(account)
        for name in ["alpha", "beta"] {
            try await fs.flag(account, ["key": .string(name), "name": .string(name), "flag_type": "boolean", "default_value": false])
        }
        try await fs.state(account, "alpha", ["enabled": true])
        #expect(await fs.evaluate(key, "alpha").reason == "FALLTHROUGH")
        let projects = fs.base.service.projects
        let compiled = projects.compileCount, patches = projects.patchCount

        #expect(await fs.evaluate(key, "beta").reason == "DISABLED")
        try await fs.state(account, "beta", ["enabled": true])
        #expect(await fs.evaluate(key, "beta").reason == "FALLTHROUGH")
        try await fs.state(account, "alpha", ["enabled": false])
        #expect(await fs.evaluate(key, "alpha").reason == "DISABLED")
        #expect(projects.compileCount == compiled)
        #expect(projects.patchCount == patches + 2)
        let whole = try ProjectSnapshot.build(project: account.projectID, store: fs.base.service.flags, sequence: 0)
        let patched = try fs.base.service.snapshot(project: account.projectID)
        let context = EvaluationContext(targetingKey: "user-1", environment: "production")
        let a = patched.ruleset.evaluateAll(context: context, now: fs.clock.now)
        let b = whole.ruleset.evaluateAll(context: context, now: fs.clock.now)
        #expect(a.map(\.value) == b.map(\.value) && a.map(\.reason) == b.map(\.reason))
    }

    /// Records written around the API that do not compile together give a degraded build (best
    /// effort); it is never patched, so what it left out comes back with the next whole build.
    @Test func aDegradedBuildIsNeverPatched() async throws {
        let api = try await FlagsHarness()
        for key in ["a", "b", "c"] { await api.createFlag(["key": .string(key), "enabled": true, "value": "on"]) }
        let flags = try #require(api.env.kv["FLAGS"])
        _ = try await flags.put("flag:default:bad", #"{"key":"bad","enabled":true,"targeting":{"rules":[{"conditions":[{"property":"email","operator":"regex","value":"(unclosed"}],"value":"x"}]}}"#)
        let degraded = try api.service.snapshot(project: "default")
        #expect(degraded.degraded)
        let whole = { try ProjectSnapshot.build(project: "default", store: api.service.flags, sequence: 0) }
        #expect(try degraded.ruleset.flagKeys == whole().ruleset.flagKeys)
        await api.createFlag(["key": "d", "enabled": true, "value": "on"])
        #expect(try api.service.snapshot(project: "default").ruleset.flagKeys == whole().ruleset.flagKeys)
        _ = try await flags.delete("flag:default:bad")
        let healed = try api.service.snapshot(project: "default")
        #expect(!healed.degraded)
        #expect(healed.ruleset.flagKeys == ["a", "b", "c", "d"])
        #expect(await api.evaluate("a", ["user_id": "u1"]).0 == "on")
    }

    @Test func aProjectWithPrerequisitesIsCompiledWhole() async throws {
        let fs = try await FSHarness()
        let account = try await fs.register()
        try await fs.flag(account, ["key": "parent", "name": "parent", "flag_type": "boolean", "default_value": false])
        try await fs.flag(account, ["key": "child", "name": "child", "flag_type": "boolean", "default_value": false,
                                    "prerequisites": ["parent"]])
        try await fs.state(account, "child", ["enabled": true])
        let key = try await fs.apiKey(account)
        #expect(await fs.evaluate(key, "child").reason == "PREREQUISITE_FAILED")
        let projects = fs.base.service.projects
        let compiled = projects.compileCount, patches = projects.patchCount
        try await fs.state(account, "parent", ["enabled": true])
        _ = await fs.evaluate(key, "child")
        #expect(projects.compileCount == compiled + 1)
        #expect(projects.patchCount == patches)
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
