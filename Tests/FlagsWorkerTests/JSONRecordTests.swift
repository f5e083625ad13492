import EdgeJSON
@testable import FlagsWorker
import Testing

/// Typed records read what the store holds and write it back unchanged: the stored format is the
/// contract, the Swift type only its one mapping.
@Suite("Typed records")
struct JSONRecordTests {
    /// Entries as the service wrote them before the audit had a type (an EdgeFlags token's change,
    /// and a member's FeatureSignals state change with its id and metadata).
    static let stored: [[String: JSONValue]] = [
        ["id": "0b7c", "timestamp": "2026-12-01T10:00:00Z", "actor": "ff_defa_k1a2...", "action": "update",
         "event": "flag.updated", "resource_type": "flag", "resource_key": "dark_mode", "project_id": "default",
         "before": ["enabled": false], "after": ["enabled": true]],
        ["id": "9f1e", "timestamp": "2026-12-01T10:00:01Z", "actor": "ada@example.org", "actor_id": "u-1",
         "action": "create", "event": "flag.state_updated", "resource_type": "flag", "resource_key": "beta",
         "resource_id": "f-1", "project_id": "p-1", "org_id": "o-1", "before": .null, "after": ["flag_id": "f-1"],
         "metadata": ["env_id": "e-1"]],
        ["id": "77aa", "timestamp": "2026-12-01T10:00:02Z", "actor": "system", "action": "delete",
         "event": "member.removed", "resource_type": "member", "resource_key": "u-2", "project_id": .null,
         "org_id": "o-1", "before": ["role": "viewer"], "after": .null],
    ]

    @Test func auditEntriesRoundTripExactly() throws {
        for object in Self.stored {
            let entry = try #require(AuditEntry(json: object))
            #expect(entry.json == object)
            #expect(AuditEntry.storedFormat(of: object) == 1)
        }
    }

    @Test func theActorTypeIsDerivedFromWhatWasStored() throws {
        let types = try Self.stored.map { try #require(AuditEntry(json: $0)).actorType }
        #expect(types == ["token", "user", "system"])
    }

    @Test func anObjectThatIsNotAnEntryIsRefused() {
        var missing = Self.stored[0]
        missing["resource_key"] = nil
        #expect(AuditEntry(json: missing) == nil)
        var wrongType = Self.stored[0]
        wrongType["actor"] = 7
        #expect(AuditEntry(json: wrongType) == nil)
    }
}

extension JSONRecordTests {
    /// Webhooks of both dialects as they were stored before the type: an EdgeFlags one with a
    /// secret, a FeatureSignals one with its organization, name and switch.
    static let webhooks: [[String: JSONValue]] = [
        ["id": "wh_0011aabbccddeeff", "url": "https://hooks.example.com/a", "events": ["flag.updated"],
         "created_at": "2026-12-01T10:00:00Z", "secret": "s3cret"],
        ["id": "5f0c7a4e-8a53-4b47-9d0e-2f3d1c1b2a10", "org_id": "o-1", "name": "Slack", "url": "https://hooks.example.com/b",
         "events": ["*"], "enabled": false, "created_at": "2026-12-01T10:00:00Z", "updated_at": "2026-12-02T10:00:00Z"],
    ]

    @Test func webhooksRoundTripExactlyAndAnswerWithoutTheirSecret() throws {
        for object in Self.webhooks {
            let webhook = try #require(WebhookRecord(json: object))
            #expect(webhook.json == object)
            #expect(webhook.answer["secret"] == nil)
            #expect(webhook.answer["has_secret"] == .bool(object["secret"] != nil))
        }
        let edgeFlags = try #require(WebhookRecord(json: Self.webhooks[0]))
        #expect(edgeFlags.target.style == .edgeFlags)
        #expect(edgeFlags.receives("flag.updated", wildcard: true))
        #expect(!edgeFlags.receives("flag.created", wildcard: true))
        let featureSignals = try #require(WebhookRecord(json: Self.webhooks[1]))
        #expect(featureSignals.target.style == .featureSignals)
        #expect(!featureSignals.receives("flag.updated", wildcard: true), "a switched-off webhook receives nothing")
    }
}
