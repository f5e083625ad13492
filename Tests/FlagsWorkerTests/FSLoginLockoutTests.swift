import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

/// Issue 13 item 6: guessing a password is slowed per email and stopped per (email, client
/// address), and nobody can use that to lock the owner out of their own account.
@Suite("FeatureSignals §2: login lockout that cannot be turned against the owner")
struct FSLoginLockoutTests {
    static let owner = "owner@acme.io", password = "correct-horse"

    /// `POST /v1/auth/login` as it arrives from `ip` (what a trusted proxy's `X-Forwarded-For` names).
    func login(_ fs: FSHarness, _ password: String, from ip: String, email: String = Self.owner) async -> APIResponse {
        let body: JSONValue = ["email": .string(email), "password": .string(password)]
        let response = await fs.base.harness.dispatch(Request(method: "POST", target: "/v1/auth/login",
                                                              headers: ["Content-Type": "application/json"],
                                                              body: Array(body.jsonString.utf8),
                                                              client: ClientInfo(ip: ip, peer: "10.0.0.1")))
        let bytes = response.bodyBytes ?? []
        return APIResponse(status: response.status, json: (try? JSONValue.parse(bytes)) ?? .null, headers: response.headers,
                           text: String(decoding: bytes, as: UTF8.self))
    }

    /// Wrong passwords from `ip` until `count` of them were heard (401), waiting out every slowdown
    /// (429) as a patient attacker would.
    func fail(_ fs: FSHarness, _ count: Int, from ip: String, email: String = Self.owner) async throws {
        var heard = 0
        while heard < count {
            let response = await login(fs, "wrong-guess", from: ip, email: email)
            if response.status == 429 {
                let retry = try #require(response.headers["Retry-After"].flatMap { Int($0) })
                #expect(retry >= 1 && retry <= 900)
                fs.clock.advance(by: Double(retry))
            } else {
                #expect(response.status == 401)
                #expect(response.json == ["error": "invalid credentials"])
                heard += 1
            }
        }
    }

    @Test func anAddressThatGuessedTenTimesIsLockedButTheOwnersAddressIsNot() async throws {
        let fs = try await FSHarness()
        _ = try await fs.register(email: Self.owner, password: Self.password)
        try await fail(fs, 10, from: "198.51.100.66")
        // The guessing address is refused even with the right password, and learns nothing.
        let attacker = await login(fs, Self.password, from: "198.51.100.66")
        #expect(attacker.status == 429)
        #expect(attacker.json == ["error": "too many failed login attempts, try again later"])
        let retry = try #require(attacker.headers["Retry-After"].flatMap { Int($0) })
        #expect(retry > 0 && retry <= 900)
        // The owner, from their own address, gets in at once.
        let owner = await login(fs, Self.password, from: "203.0.113.5")
        #expect(owner.status == 200)
        #expect(owner["tokens"]?["access_token"]?.stringValue != nil)
        // The lock lifts when the window has passed.
        fs.clock.advance(by: Double(retry))
        #expect(await login(fs, Self.password, from: "198.51.100.66").status == 200)
    }

    @Test func manyAddressesGuessingAreSlowedTogetherWhileTheOwnerGetsIn() async throws {
        let fs = try await FSHarness()
        _ = try await fs.register(email: Self.owner, password: Self.password)
        // Thirty addresses, one guess each: every fresh address is heard.
        for host in 1...30 {
            #expect(await login(fs, "guess-\(host)", from: "198.51.100.\(host)").status == 401)
        }
        // A second guess from any of them waits: 30 failures on the email is the longest delay.
        let again = await login(fs, "another-guess", from: "198.51.100.7")
        #expect(again.status == 429)
        #expect(again.headers["Retry-After"] == "900")
        // The owner's first attempt from their own address is never refused.
        #expect(await login(fs, Self.password, from: "203.0.113.5").status == 200)
        // Nor is the right password from an address that had not guessed.
        #expect(await login(fs, Self.password, from: "192.0.2.44").status == 200)
    }

    @Test func theSlowdownDoublesWithEachFailureOnTheEmail() async throws {
        let fs = try await FSHarness()
        _ = try await fs.register(email: Self.owner, password: Self.password)
        for _ in 0..<5 { #expect(await login(fs, "wrong-guess", from: "198.51.100.66").status == 401) }
        var waits: [String?] = []
        for _ in 0..<4 {
            let throttled = await login(fs, "wrong-guess", from: "198.51.100.66")
            #expect(throttled.status == 429)
            waits.append(throttled.headers["Retry-After"])
            fs.clock.advance(by: Double(throttled.headers["Retry-After"].flatMap { Int($0) } ?? 0))
            #expect(await login(fs, "wrong-guess", from: "198.51.100.66").status == 401)
        }
        #expect(waits == ["1", "2", "4", "8"])
        // A throttled attempt is not checked, so even the right password says nothing there.
        #expect(await login(fs, Self.password, from: "198.51.100.66").status == 429)
        fs.clock.advance(by: 16)
        #expect(await login(fs, Self.password, from: "198.51.100.66").status == 200)
    }

    @Test func theOwnersSuccessForgetsTheirOwnMistakesOnly() {
        let lockout = LoginLockout(maxFailures: 10, windowSeconds: 900)
        for _ in 0..<9 {
            lockout.recordFailure(Self.owner, address: "203.0.113.5", nowMillis: 0)
            lockout.recordFailure(Self.owner, address: "198.51.100.66", nowMillis: 0)
        }
        // 18 failures on the email: both addresses wait the longest delay.
        #expect(lockout.retryAfter(Self.owner, address: "203.0.113.5", nowMillis: 1_000) == 899)
        lockout.recordSuccess(Self.owner, address: "203.0.113.5")
        // The owner's address is fresh again; the guessing one still waits (9 failures left: 16 s)…
        #expect(lockout.retryAfter(Self.owner, address: "203.0.113.5", nowMillis: 1_000) == nil)
        #expect(lockout.retryAfter(Self.owner, address: "198.51.100.66", nowMillis: 1_000) == 15)
        // …and one more failure locks it for what is left of the window.
        lockout.recordFailure(Self.owner, address: "198.51.100.66", nowMillis: 16_000)
        #expect(lockout.retryAfter(Self.owner, address: "198.51.100.66", nowMillis: 16_000) == 884)
        #expect(lockout.retryAfter(Self.owner, address: "203.0.113.5", nowMillis: 16_000) == nil)
    }

    @Test func ipv6ClientsAreCountedPerSlash64() async throws {
        let fs = try await FSHarness()
        _ = try await fs.register(email: Self.owner, password: Self.password)
        try await fail(fs, 10, from: "2001:db8:1:2::1")
        // Another address of the same /64 is the same subscriber.
        #expect(await login(fs, Self.password, from: "2001:db8:1:2:ffff::9").status == 429)
        // Another /64 is not.
        #expect(await login(fs, Self.password, from: "2001:db8:1:3::1").status == 200)
        #expect(LoginLockout.addressKey("2001:0db8:0001:0002:0000:0000:0000:0001") == LoginLockout.addressKey("2001:db8:1:2::7"))
        #expect(LoginLockout.addressKey("203.0.113.5") == "203.0.113.5")
    }

    @Test func theLockoutIsPerEmail() async throws {
        let fs = try await FSHarness()
        _ = try await fs.register(email: Self.owner, password: Self.password)
        _ = try await fs.register(email: "other@acme.io", password: "other-password", org: "Other")
        try await fail(fs, 10, from: "198.51.100.66")
        #expect(await login(fs, "other-password", from: "198.51.100.66", email: "other@acme.io").status == 200)
    }
}
