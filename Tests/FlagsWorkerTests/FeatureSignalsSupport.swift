import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// A registered FeatureSignals account: its tokens and the ids registration created.
struct FSAccount {
    var access: String
    var refresh: String
    var userID: String
    var orgID: String
    var orgSlug: String
    var projectID: String
    /// Environment ids by slug (`dev`, `staging`, `production`).
    var environments: [String: String]
}

/// A FlagsWorker on a temporary store for the `/v1` dialect: cheap scrypt, generous per-IP limits
/// unless a test asks otherwise, and helpers that speak the dialect.
final class FSHarness: Sendable {
    let base: FlagsHarness

    init(vars: [String: JSONValue] = [:]) async throws {
        var all: [String: JSONValue] = ["PASSWORD_SCRYPT_N": "1024", "RATE_LIMIT_AUTH_PER_MINUTE": "100000",
                                        "RATE_LIMIT_MANAGEMENT_PER_MINUTE": "100000", "JWT_SECRET": "test-secret-that-is-long-enough-for-hs256"]
        for (key, value) in vars { all[key] = value }
        base = try await FlagsHarness(vars: all)
    }

    var clock: TestClock { base.clock }
    var env: Env { base.env }

    /// A request with optional JWT or API key and a raw body.
    @discardableResult
    func call(_ method: String, _ path: String, bearer: String? = nil, apiKey: String? = nil, body: String? = nil,
              headers: Headers = [:]) async -> APIResponse {
        var all = headers
        if let bearer { all["Authorization"] = "Bearer \(bearer)" }
        if let apiKey { all["X-API-Key"] = apiKey }
        if body != nil { all["Content-Type"] = "application/json" }
        let response = await base.harness.dispatch(Request(method: method, target: path, headers: all,
                                                           body: Array((body ?? "").utf8)))
        let bytes = response.bodyBytes ?? []
        return APIResponse(status: response.status, json: (try? JSONValue.parse(bytes)) ?? .null,
                           headers: response.headers, text: String(decoding: bytes, as: UTF8.self))
    }

    @discardableResult
    func call(_ method: String, _ path: String, bearer: String? = nil, apiKey: String? = nil, json: JSONValue) async -> APIResponse {
        await call(method, path, bearer: bearer, apiKey: apiKey, body: json.jsonString)
    }

    func register(email: String = "owner@acme.io", password: String = "correct-horse", name: String = "Owner",
                  org: String = "Acme Inc") async throws -> FSAccount {
        let response = await call("POST", "/v1/auth/register",
                                  json: ["email": .string(email), "password": .string(password), "name": .string(name),
                                         "org_name": .string(org)])
        try #require(response.status == 201, "register: \(response.text)")
        let access = try #require(response["tokens"]?["access_token"]?.stringValue)
        let projects = await call("GET", "/v1/projects", bearer: access)
        let projectID = try #require(projects.json.arrayValue?.first?["id"]?.stringValue)
        let environments = await call("GET", "/v1/projects/\(projectID)/environments", bearer: access)
        var ids: [String: String] = [:]
        for environment in environments.json.arrayValue ?? [] {
            if let slug = environment["slug"]?.stringValue, let id = environment["id"]?.stringValue { ids[slug] = id }
        }
        return FSAccount(access: access, refresh: try #require(response["tokens"]?["refresh_token"]?.stringValue),
                         userID: try #require(response["user"]?["id"]?.stringValue),
                         orgID: try #require(response["organization"]?["id"]?.stringValue),
                         orgSlug: try #require(response["organization"]?["slug"]?.stringValue),
                         projectID: projectID, environments: ids)
    }

    func login(_ email: String, _ password: String) async throws -> (access: String, refresh: String) {
        let response = await call("POST", "/v1/auth/login", json: ["email": .string(email), "password": .string(password)])
        try #require(response.status == 200, "login: \(response.text)")
        return (try #require(response["tokens"]?["access_token"]?.stringValue),
                try #require(response["tokens"]?["refresh_token"]?.stringValue))
    }

    /// Invites a member with a password and logs them in; returns (user id, access token).
    func member(_ account: FSAccount, role: String, email: String) async throws -> (id: String, access: String) {
        let invited = await call("POST", "/v1/members/invite", bearer: account.access,
                                 json: ["email": .string(email), "role": .string(role), "password": "member-password"])
        try #require(invited.status == 201, "invite: \(invited.text)")
        return (try #require(invited["id"]?.stringValue), try await login(email, "member-password").access)
    }

    func apiKey(_ account: FSAccount, env: String = "production", type: String = "server") async throws -> String {
        let envID = try #require(account.environments[env])
        let response = await call("POST", "/v1/environments/\(envID)/api-keys", bearer: account.access,
                                  json: ["name": "sdk", "type": .string(type)])
        try #require(response.status == 201, "api key: \(response.text)")
        return try #require(response["key"]?.stringValue)
    }

    @discardableResult
    func flag(_ account: FSAccount, _ record: JSONValue) async throws -> APIResponse {
        let response = await call("POST", "/v1/projects/\(account.projectID)/flags", bearer: account.access, json: record)
        try #require(response.status == 201, "flag: \(response.text)")
        return response
    }

    @discardableResult
    func state(_ account: FSAccount, _ key: String, env: String = "production", _ state: JSONValue) async throws -> APIResponse {
        let envID = try #require(account.environments[env])
        let response = await call("PUT", "/v1/projects/\(account.projectID)/flags/\(key)/environments/\(envID)",
                                  bearer: account.access, json: state)
        try #require(response.status == 200, "state: \(response.text)")
        return response
    }

    /// `POST /v1/evaluate` → (value, reason, variant_key).
    func evaluate(_ apiKey: String, _ flag: String, key: String = "user-1", attributes: JSONValue = [:]) async
        -> (value: JSONValue?, reason: String?, variant: String?)
    {
        let response = await call("POST", "/v1/evaluate", apiKey: apiKey,
                                  json: ["flag_key": .string(flag), "context": ["key": .string(key), "attributes": attributes]])
        return (response["value"], response["reason"]?.stringValue, response["variant_key"]?.stringValue)
    }
}
