import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

/// What schemathesis and the hand-made hostile requests found: each input here was once accepted,
/// ignored or answered with the wrong error.
@Suite("EdgeFlags §1: hostile input gets a clear 4xx")
struct HostileInputTests {
    @Test func labelsOfFlagsConfigsAndSegmentsMustHaveTheirTypes() async throws {
        let api = try await FlagsHarness()
        let refused: [(String, JSONValue, String)] = [
            ("/api/v1/segments", ["key": "s1", "conditions": [], "name": [:]], "name"),
            ("/api/v1/segments", ["key": "s2", "conditions": [], "description": 1], "description"),
            ("/api/v1/configs", ["key": "c1", "value": 1, "name": true], "name"),
            ("/api/v1/configs", ["key": "c2", "value": 1, "description": []], "description"),
            ("/api/v1/flags", ["key": "f1", "enabled": true, "tags": "beta"], "tags"),
            ("/api/v1/flags", ["key": "f2", "enabled": true, "tags": ["beta", 2]], "tags"),
        ]
        for (path, body, field) in refused {
            let response = await api.call("POST", path, json: body)
            #expect(response.status == 400, "\(body)")
            #expect(response["code"] == "VALIDATION_ERROR")
            #expect(response["details"]?["field"]?.stringValue == field, "\(body)")
        }
        // Nothing half-written: none of them exists.
        #expect(await api.call("GET", "/api/v1/segments").json["total"] == 0)
        #expect(await api.call("GET", "/api/v1/configs").json["total"] == 0)
        #expect(await api.call("GET", "/api/v1/flags").json["total"] == 0)
        #expect(await api.call("POST", "/api/v1/segments", json: ["key": "s", "conditions": [], "name": "S"]).status == 201)
        #expect(await api.call("POST", "/api/v1/configs", json: ["key": "c", "value": 1, "description": "d"]).status == 201)
        await api.createFlag(["key": "f", "enabled": true, "tags": ["beta"]])
        #expect(await api.call("PUT", "/api/v1/segments/s", json: ["name": 5]).status == 400)
        #expect(await api.call("PUT", "/api/v1/configs/c", json: ["name": ["x"]]).status == 400)
        #expect(await api.call("GET", "/api/v1/segments/s").json["segment"]?["name"] == "S")
    }

    @Test func contextEmailPhoneAndPlanAreStringsOrNumbers() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "big", "enabled": true, "targeting": ["rules": [
            ["conditions": [["property": "plan", "operator": "gt", "value": 2]], "value": "big"]]]])
        for field in ["email", "phone", "plan"] {
            for wrong: JSONValue in [[:], [], true] {
                let response = await api.call("POST", "/api/v1/evaluate", json: ["context": .object([field: wrong])])
                #expect(response.status == 400, "\(field) = \(wrong)")
                #expect(response["details"]?["field"]?.stringValue == "context.\(field)")
            }
        }
        let numeric = await api.call("POST", "/api/v1/evaluate", json: ["context": ["plan": 3]])
        #expect(numeric.json["flags"]?["big"] == "big")
    }

    @Test func undecodableQueryParametersAre400NotIgnored() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true, "value": "on"])
        _ = await api.call("POST", "/api/v1/configs", json: ["key": "c", "value": 1])
        for target in ["/api/v1/flags/f?context=%FF", "/api/v1/flags/f?context=%", "/api/v1/flags?limit=%zz",
                       "/api/v1/configs/c?environment=%C3%28", "/api/v1/flags?%FF=1"] {
            let response = await api.call("GET", target)
            #expect(response.status == 400, "\(target)")
            #expect(response.json == ["error": "Invalid query string: malformed percent-encoding or UTF-8",
                                      "code": "VALIDATION_ERROR"], "\(target)")
        }
        #expect(await api.call("GET", "/api/v1/flags/f?context=%7B%7D").status == 200)
    }

    @Test func anEmptyContextParameterIsNoContext() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true, "value": "on"])
        let response = await api.call("GET", "/api/v1/flags/f?context=")
        #expect(response.status == 200)
        #expect(response.json == ["value": "on", "type": "string", "reason": "override"])
    }

    @Test func aKeyTooLongToStoreIsNotFoundNotAStorageError() async throws {
        let api = try await FlagsHarness()
        let long = String(repeating: "a", count: 600)
        let cases: [(String, String, String, String?)] = [
            ("GET", "/api/v1/configs/\(long)", "Config not found", nil),
            ("PUT", "/api/v1/configs/\(long)", "Config not found", #"{"value":1}"#),
            ("DELETE", "/api/v1/flags/\(long)", "Flag not found", nil),
            ("GET", "/api/v1/segments/\(long)", "Segment not found", nil),
            ("DELETE", "/api/v1/webhooks/\(long)", "Webhook not found", nil),
        ]
        for (method, path, message, body) in cases {
            let response = await api.call(method, path, body: body)
            #expect(response.status == 404, "\(method) \(path.prefix(30))")
            #expect(response.json == ["error": .string(message), "code": "NOT_FOUND"])
        }
    }

    @Test func ifMatchWithSeveralVersionsMatchesAnyOfThem() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true])
        let auth = "Bearer \(api.admin)"
        let listed = await api.call("PUT", "/api/v1/flags/f", body: #"{"enabled":false}"#,
                                    headers: ["If-Match": #""7", W/"1""#, "Authorization": auth])
        #expect(listed.status == 200)
        #expect(listed.json["flag"]?["version"] == 2)
        let stale = await api.call("PUT", "/api/v1/flags/f", body: #"{"enabled":true}"#,
                                   headers: ["If-Match": #""1", "3""#, "Authorization": auth])
        #expect(stale.status == 409)
        #expect(stale.json["details"] == ["current_version": 2])
        let garbage = await api.call("DELETE", "/api/v1/flags/f", headers: ["If-Match": "garbage", "Authorization": auth])
        #expect(garbage.status == 409)
    }

    @Test func twoAuthorizationHeadersAreRefusedEvenIfOneIsValid() async throws {
        let api = try await FlagsHarness()
        for order in [[api.admin, "ff_wrong"], ["ff_wrong", api.admin]] {
            let headers = Headers(order.map { (name: "Authorization", value: "Bearer \($0)") })
            let response = await api.harness.dispatch(Request(method: "GET", target: "/api/v1/flags", headers: headers))
            #expect(response.status == 400)
            #expect(try JSONValue.parse(response.bodyBytes ?? []) ==
                    ["error": "Only one Authorization header is allowed", "code": "VALIDATION_ERROR"])
        }
    }

    @Test func listBoundsAreExactlyThoseTheDocumentStates() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true])
        let document = try JSONValue.parse(EdgeFlagsOpenAPI.document)
        let parameters = try #require(document["paths"]?["/api/v1/flags"]?["get"]?["parameters"]?.arrayValue)
        let limit = try #require(parameters.first { $0["name"] == "limit" }?["schema"])
        let offset = try #require(parameters.first { $0["name"] == "offset" }?["schema"])
        #expect(limit["minimum"] == 1 && limit["maximum"] == 200)
        #expect(offset["minimum"] == 0 && offset["maximum"] == 1_000_000_000)
        for query in ["limit=1", "limit=200", "offset=0", "offset=1000000000"] {
            #expect(await api.call("GET", "/api/v1/flags?\(query)").status == 200, "\(query)")
        }
        #expect(await api.call("GET", "/api/v1/flags?offset=1000000000").json["flags"] == [])
        for query in ["limit=0", "limit=201", "offset=-1", "offset=1000000001", "offset=6513698234771548667904"] {
            let response = await api.call("GET", "/api/v1/flags?\(query)")
            #expect(response.status == 400, "\(query)")
            #expect(response["code"] == "VALIDATION_ERROR")
        }
    }

    @Test func onlyTheSpecsOperatorSpellingsAreAccepted() async throws {
        let api = try await FlagsHarness()
        for spelling in ["eq", "neq", "notIn", "startsWith", "exists", "EQUALS"] {
            let response = await api.call("POST", "/api/v1/flags", json: ["key": "f", "enabled": true, "targeting": ["rules": [
                ["conditions": [["property": "plan", "operator": .string(spelling), "value": "pro"]]]]]])
            #expect(response.status == 400, "\(spelling)")
            #expect(response["error"]?.stringValue?.hasPrefix("Invalid operator \"\(spelling)\"") == true)
        }
        await api.createFlag(["key": "f", "enabled": true, "targeting": ["rules": [
            ["conditions": [["property": "plan", "operator": "not_equals", "value": "pro"]]]]]])
    }
}

@Suite("EdgeFlags §3: a merge keeps a flag valid")
struct FlagMergeTests {
    @Test func aNullEnabledCannotRemoveTheMasterSwitch() async throws {
        let api = try await FlagsHarness()
        await api.createFlag(["key": "f", "enabled": true, "value": "v"])
        let response = await api.call("PUT", "/api/v1/flags/f", body: #"{"enabled":null}"#)
        #expect(response.status == 400)
        #expect(response.json == ["error": "Missing required fields: enabled", "code": "VALIDATION_ERROR"])
        let stored = await api.call("GET", "/api/v1/flags")
        #expect(stored.json["flags"]?.arrayValue?.first?["flag"]?["enabled"] == true)
        #expect(stored.json["flags"]?.arrayValue?.first?["flag"]?["version"] == 1)
        // Removing an optional field with null is how a merge clears it.
        let cleared = await api.call("PUT", "/api/v1/flags/f", body: #"{"value":null}"#)
        #expect(cleared.status == 200)
        #expect(cleared.json["flag"]?["value"] == nil)
    }
}
