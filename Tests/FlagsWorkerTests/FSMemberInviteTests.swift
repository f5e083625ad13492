import EdgeJSON
import EdgeWorker
@testable import FlagsWorker
import Testing

/// Issue 13 item 7: an invitation without `role` was a 400; the reference invites a developer.
@Suite("FeatureSignals §6: invitations default to developer")
struct FSMemberInviteTests {
    @Test func anInvitationWithoutRoleInvitesADeveloper() async throws {
        let fs = try await FSHarness()
        let a = try await fs.register()
        let invited = await fs.call("POST", "/v1/members/invite", bearer: a.access, json: ["email": "new@acme.io"])
        #expect(invited.status == 201)
        #expect(invited["role"] == "developer")
        let members = await fs.call("GET", "/v1/members", bearer: a.access)
        #expect(members.json.arrayValue?.first { $0["email"] == "new@acme.io" }?["role"] == "developer")
        #expect(await fs.call("POST", "/v1/members/invite", bearer: a.access, json: ["email": "empty@acme.io", "role": ""])["role"]
                == "developer")
        let noEmail = await fs.call("POST", "/v1/members/invite", bearer: a.access, json: ["role": "viewer"])
        #expect(noEmail.status == 400)
        #expect(noEmail.json == ["error": "email is required"])
        #expect(await fs.call("POST", "/v1/members/invite", bearer: a.access, json: ["email": "x@acme.io", "role": "king"]).status == 400)
        // Changing a role still needs one.
        let id = try #require(invited["id"]?.stringValue)
        #expect(await fs.call("PUT", "/v1/members/\(id)", bearer: a.access, json: [:]).status == 400)
    }
}
