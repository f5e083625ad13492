import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

@Suite("EdgeFlags §2: tokens")
struct TokenTests {
    @Test func createdTokenHasTheSpecFormatAndIsShownOnlyOnce() async throws {
        let api = try await FlagsHarness()
        let created = await api.call("POST", "/api/v1/tokens",
                                     json: ["name": "sdk", "project_id": "default", "permissions": ["read:flags"]])
        #expect(created.status == 201)
        #expect(created["success"] == true)
        let token = try #require(created["token"]?.stringValue)
        #expect(token.wholeMatch(of: /ff_defa_[a-z0-9]{20}/) != nil)
        #expect(created["meta"]?["token_prefix"]?.stringValue == String(token.prefix(12)))
        #expect(created["meta"]?["permissions"] == ["read:flags"])
        let listed = await api.call("GET", "/api/v1/tokens")
        #expect(!listed.text.contains(token))
        let entry = try #require(listed["tokens"]?.arrayValue?.first { $0["name"] == "sdk" })
        #expect(entry["hash"]?.stringValue == TokenStore.hash(token))
        // Stored under its hash only.
        #expect(try api.env.kv["TOKENS"]!.getText(TokenStore.hash(token)) != nil)
        #expect(try api.env.kv["TOKENS"]!.list().keys.allSatisfy { !$0.name.hasPrefix("ff_") })
    }

    @Test func revokedTokenIsRejectedWith401AtOnce() async throws {
        let api = try await FlagsHarness()
        let token = try await api.token(["read:flags"])
        #expect(await api.call("GET", "/api/v1/flags", token: token).status == 200)
        let hash = TokenStore.hash(token)
        #expect(await api.call("DELETE", "/api/v1/tokens/\(hash)").status == 200)
        let after = await api.call("GET", "/api/v1/flags", token: token)
        #expect(after.status == 401)
        #expect(after.json == ["error": "Unauthorized", "code": "UNAUTHORIZED"])
        #expect(await api.call("DELETE", "/api/v1/tokens/\(hash)").status == 404)
    }

    @Test func expiredTokenIsRejectedWith401() async throws {
        let api = try await FlagsHarness()
        let token = try await api.token(["read:flags"], expiresAt: Timestamp.format(api.clock.now + 60))
        #expect(await api.call("GET", "/api/v1/flags", token: token).status == 200)
        api.clock.advance(by: 61)
        #expect(await api.call("GET", "/api/v1/flags", token: token).status == 401)
    }

    @Test func missingOrUnknownTokensAre401() async throws {
        let api = try await FlagsHarness()
        #expect(await api.call("GET", "/api/v1/flags", token: "").status == 401)
        #expect(await api.call("GET", "/api/v1/flags", token: "ff_production_abc123").status == 401)
        #expect(await api.call("GET", "/api/v1/flags", headers: ["Authorization": "Basic abc"]).status == 401)
    }

    @Test func tokenCreationIsValidated() async throws {
        let api = try await FlagsHarness()
        let bad = await api.call("POST", "/api/v1/tokens", json: ["name": "x", "project_id": "default", "permissions": ["root"]])
        #expect(bad.status == 400)
        #expect(bad["code"] == "VALIDATION_ERROR")
        let missing = await api.call("POST", "/api/v1/tokens", json: ["name": "x"])
        #expect(missing["error"]?.stringValue == "Missing required fields: project_id, permissions")
        let other = await api.call("POST", "/api/v1/tokens", json: ["name": "x", "project_id": "acme", "permissions": ["*"]])
        #expect(other.status == 403)
        let past = await api.call("POST", "/api/v1/tokens",
                                  json: ["name": "x", "project_id": "default", "permissions": ["*"], "expires_at": "2020-01-01T00:00:00Z"])
        #expect(past.status == 400)
    }

    @Test func bootstrapTokenIsAnOptInAdmin() async throws {
        let api = try await FlagsHarness(secrets: ["EDGE_BOOTSTRAP_TOKEN": "ff_boot_0123456789abcdefghij"])
        let response = await api.call("GET", "/api/v1/tokens", token: "ff_boot_0123456789abcdefghij")
        #expect(response.status == 200)
        #expect(response["tokens"]?.arrayValue?.contains { $0["name"] == "bootstrap" } == true)
    }

    @Test func bearerCredentialsAreReadFromOneAuthorizationField() throws {
        func credential(_ values: String...) throws -> String? {
            try BearerCredential.parse(Request(method: "GET", target: "/", headers: Headers(values.map { (name: "Authorization", value: $0) })))
        }
        let read: [(String, String?)] = [
            ("Bearer ff_a", "ff_a"), ("bearer ff_a", "ff_a"), ("BeArEr ff_a", "ff_a"), ("  Bearer ff_a", "ff_a"),
            ("Bearer    ff_a \t ", "ff_a"), ("Bearer \tff_a", "ff_a"), ("Bearer a b", "a b"), ("Bearer é", "é"),
            ("Bearer", nil), ("Bearer ", nil), ("Bearer \t ", nil), ("Bearerff_a", nil), ("Bearer\tff_a", nil),
            ("Basic ff_a", nil), ("Bear ff_a", nil), ("Bearers ff_a", nil), ("", nil), (" ", nil), ("\tBearer ff_a", nil),
        ]
        for (value, expected) in read {
            #expect(try credential(value) == expected, "\(value.debugDescription)")
        }
        #expect(try credential() == nil)
        #expect(throws: APIError.self) { try credential("Bearer a", "Bearer b") }
    }

    @Test func noCredentialsExistByDefault() async throws {
        let api = try await FlagsHarness()
        let tokens = try api.env.kv["TOKENS"]!.list().keys
        #expect(tokens.count == 1)  // only the admin this harness created
        #expect(await api.call("GET", "/api/v1/project").status == 200)
    }
}

@Suite("EdgeFlags §2: the permission matrix")
struct PermissionMatrixTests {
    /// (method, path, body, what it needs).
    static let routes: [(String, String, String?, String)] = [
        ("GET", "/api/v1/flags", nil, "read:flags"),
        ("GET", "/api/v1/flags/seed", nil, "read:flags"),
        ("POST", "/api/v1/flags", #"{"key":"new-flag","enabled":true}"#, "write:flags"),
        ("PUT", "/api/v1/flags/seed", #"{"enabled":false}"#, "write:flags"),
        ("PUT", "/api/v1/flags/seed/environments/staging", #"{"enabled":true}"#, "write:flags"),
        ("GET", "/api/v1/segments", nil, "read:flags"),
        ("GET", "/api/v1/segments/beta", nil, "read:flags"),
        ("POST", "/api/v1/segments", #"{"key":"new-seg","conditions":[]}"#, "write:flags"),
        ("PUT", "/api/v1/segments/beta", #"{"conditions":[]}"#, "write:flags"),
        ("GET", "/api/v1/configs", nil, "read:configs"),
        ("GET", "/api/v1/configs/theme", nil, "read:configs"),
        ("POST", "/api/v1/configs", #"{"key":"new-config","value":1}"#, "write:configs"),
        ("PUT", "/api/v1/configs/theme", #"{"value":2}"#, "write:configs"),
        ("PUT", "/api/v1/configs/theme/environments/staging", #"{"value":3}"#, "write:configs"),
        ("POST", "/api/v1/evaluate", #"{"context":{}}"#, "read:any"),
        ("GET", "/api/v1/project", nil, "any"),
        ("GET", "/api/v1/project/environments", nil, "any"),
        ("PUT", "/api/v1/project", #"{"name":"Renamed"}"#, "*"),
        ("POST", "/api/v1/project/environments", #"{"name":"qa"}"#, "*"),
        ("GET", "/api/v1/tokens", nil, "*"),
        ("POST", "/api/v1/tokens", #"{"name":"n","project_id":"default","permissions":["read:flags"]}"#, "*"),
        ("GET", "/api/v1/audit", nil, "*"),
        ("GET", "/api/v1/webhooks", nil, "*"),
        ("POST", "/api/v1/webhooks", #"{"url":"https://93.184.215.14/hook","events":["flag.created"]}"#, "*"),
        ("DELETE", "/api/v1/flags/seed", nil, "write:flags"),
        ("DELETE", "/api/v1/configs/theme", nil, "write:configs"),
        ("DELETE", "/api/v1/segments/beta", nil, "write:flags"),
        ("DELETE", "/api/v1/flags/seed/environments/staging", nil, "write:flags"),
        ("DELETE", "/api/v1/configs/theme/environments/staging", nil, "write:configs"),
        ("DELETE", "/api/v1/project/environments/qa", nil, "*"),
        ("DELETE", "/api/v1/tokens/{spare-token}", nil, "*"),
        ("DELETE", "/api/v1/webhooks/{webhook}", nil, "*"),
        // WebSocket routes: asked with an upgrade, allowed is a 101.
        ("GET", "/stream/flags", nil, "read:flags"),
        ("GET", "/stream/tail", nil, "*"),
    ]

    static let permissions = ["read:flags", "read:configs", "write:flags", "write:configs", "*"]

    @Test(arguments: permissions)
    func eachPermissionReachesExactlyItsRoutes(permission: String) async throws {
        for (method, path, body, needs) in Self.routes {
            // A fresh store per route so that deletes and creates do not interfere.
            let api = try await FlagsHarness()
            await api.createFlag(["key": "seed", "enabled": true])
            _ = await api.call("POST", "/api/v1/segments", json: ["key": "beta", "conditions": []])
            _ = await api.call("POST", "/api/v1/configs", json: ["key": "theme", "value": "dark"])
            var path = path
            if path.contains("environments/staging") {
                let seeded = path.hasPrefix("/api/v1/flags")
                    ? await api.call("PUT", "/api/v1/flags/seed/environments/staging", json: ["enabled": false])
                    : await api.call("PUT", "/api/v1/configs/theme/environments/staging", json: ["value": "light"])
                #expect(seeded.status == 200, "\(seeded.text)")
            } else if path.hasSuffix("/environments/qa") {
                #expect(await api.call("POST", "/api/v1/project/environments", json: ["name": "qa"]).status == 201)
            } else if path.contains("{spare-token}") {
                let spare = try await api.token(["read:flags"], name: "spare")
                path = path.replacingOccurrences(of: "{spare-token}", with: TokenStore.hash(spare))
            } else if path.contains("{webhook}") {
                let hook = await api.call("POST", "/api/v1/webhooks",
                                          json: ["url": "https://93.184.215.14/hook", "events": ["flag.created"]])
                path = path.replacingOccurrences(of: "{webhook}", with: try #require(hook["id"]?.stringValue))
            }
            let token = try await api.token([permission])
            let response = await api.call(method, path, token: token, body: body,
                                          headers: path.hasPrefix("/stream/") ? ["Upgrade": "websocket"] : [:])
            let allowed = permission == "*" || needs == "any" || needs == permission
                || (needs == "read:any" && permission.hasPrefix("read:"))
            if allowed {
                #expect(response.status < 400, "\(permission) \(method) \(path): \(response.status) \(response.text)")
            } else {
                #expect(response.status == 403, "\(permission) \(method) \(path): \(response.status)")
                #expect(response["code"] == "FORBIDDEN")
                let message = needs == "*" ? "Admin permission required" : "Insufficient permissions"
                #expect(response["error"]?.stringValue == message, "\(method) \(path)")
            }
        }
    }
}
