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

extension JSONRecordTests {
    /// Each record with the optional fields the old store may or may not hold: every one reads and
    /// writes back exactly, whichever fields it has.
    static let variants: [(String, [String: JSONValue], @Sendable ([String: JSONValue]) -> [String: JSONValue]?)] = [
        ("an EdgeFlags project", ["id": "default", "name": "Default Project", "slug": "default",
                                  "environments": ["development", "production"], "created_at": "2026-12-01T10:00:00.000Z",
                                  "updated_at": "2026-12-01T10:00:00.000Z"], { ProjectRecord(json: $0)?.json }),
        ("a project without a slug", ["id": "p", "name": "P", "environments": [], "created_at": "t", "updated_at": "t"],
         { ProjectRecord(json: $0)?.json }),
        ("a FeatureSignals project", ["id": "p-1", "org_id": "o-1", "name": "Web", "slug": "web", "environments": ["dev"],
                                      "created_at": "t", "updated_at": "u"], { ProjectRecord(json: $0)?.json }),
        ("a user invited without a password", ["id": "u-2", "email": "b@example.org", "name": "b@example.org",
                                               "org_id": "o-1", "created_at": "t", "updated_at": "t"],
         { UserRecord(json: $0)?.json }),
        ("a developer limited per environment", ["user_id": "u-2", "org_id": "o-1", "role": "developer",
                                                 "permissions": [["env_id": "e-1", "can_toggle": false, "can_edit_rules": true]],
                                                 "created_at": "t", "updated_at": "u"], { MemberRecord(json: $0)?.json }),
        ("a rotated, revoked session", ["user_id": "u-1", "org_id": "o-1", "refresh_jti": "j-2", "created_at": "t",
                                        "rotated_at": "u", "revoked_at": "v"], { SessionRecord(json: $0)?.json }),
        ("a pending approval", ["id": "a-1", "org_id": "o-1", "project_id": "p-1", "flag_key": "beta", "env_id": "e-1",
                                "payload": ["enabled": true], "status": "pending", "requested_by": "u-2", "created_at": "t"],
         { ApprovalRecord(json: $0)?.json }),
        ("a reviewed approval with notes", ["id": "a-2", "org_id": "o-1", "project_id": "p-1", "flag_key": "beta",
                                            "env_id": "e-1", "payload": ["rules": []], "note": "please", "status": "rejected",
                                            "requested_by": "u-2", "reviewed_by": "u-1", "review_note": "no",
                                            "created_at": "t", "reviewed_at": "u"], { ApprovalRecord(json: $0)?.json }),
        ("a delivery that got an answer", ["id": "d-1", "webhook_id": "w-1", "event_type": "flag.updated", "attempt": 1,
                                           "response_status": 500, "success": false, "payload": ["event": "flag.updated"],
                                           "delivered_at": "t"], { DeliveryRecord(json: $0)?.json }),
        ("a delivery that got none", ["id": "d-2", "webhook_id": "w-1", "event_type": "flag.updated", "attempt": 4,
                                      "response_status": .null, "success": false, "payload": .null, "delivered_at": "t"],
         { DeliveryRecord(json: $0)?.json }),
        ("a key's last use", ["last_used_at": "2026-12-01T10:00:00.000Z"], { KeyUsageRecord(json: $0)?.json }),
    ]

    @Test func recordsWithAndWithoutTheirOptionalFieldsRoundTripExactly() {
        for (label, object, roundTrip) in Self.variants {
            #expect(roundTrip(object) == object, "\(label)")
        }
    }

    @Test func aMemberWithARoleThatIsNotOneOfTheFourIsNoMember() {
        let member: [String: JSONValue] = ["user_id": "u", "org_id": "o", "role": "superuser", "permissions": [],
                                           "created_at": "t", "updated_at": "t"]
        #expect(MemberRecord(json: member) == nil)
    }

    @Test func permissionSwitchesLeftOutAllow() throws {
        let member = try #require(MemberRecord(json: ["user_id": "u", "org_id": "o", "role": "developer",
                                                      "permissions": [["env_id": "e-1", "can_toggle": false]],
                                                      "created_at": "t", "updated_at": "t"]))
        let entry = try #require(member.environmentPermissions["e-1"])
        #expect(entry.toggle == false && entry.editRules == true)
    }

    @Test func anApprovalAnswersEveryFieldWithNullForTheUnset() throws {
        let approval = try #require(ApprovalRecord(json: Self.variants[6].1))
        #expect(approval.answer["reviewed_by"] == .null && approval.answer["note"] == .null)
        #expect(approval.answer["status"] == "pending")
    }
}

extension JSONRecordTests {
    @Test func aFlagStateNotYetStoredIsOffAndAnswersEveryFieldOnce() throws {
        let state = FlagStateRecord(flagID: "f-1", flagKey: "beta", envID: "e-1")
        let expected: [String: JSONValue] = [
            "flag_id": "f-1", "flag_key": "beta", "env_id": "e-1", "enabled": false, "default_value": .null, "rules": [],
            "percentage_rollout": 0, "variants": [], "scheduled_enable_at": .null, "scheduled_disable_at": .null,
            "updated_at": .null,
        ]
        #expect(state.json == expected)
        #expect(FlagStateRecord(json: expected) == state)
    }

    @Test func aPartialUpdateSetsOnlyTheSettingsItNames() {
        var state = FlagStateRecord(flagID: nil, flagKey: "beta", envID: "e-1")
        state.set("enabled", true)
        state.set("percentage_rollout", 2500)
        state.set("flag_key", "other")
        #expect(state.enabled == true && state.percentageRollout == 2500)
        #expect(state.flagKey == "beta", "only settings are set by name")
        #expect(state.json["flag_id"] == .null)
    }
}

extension JSONRecordTests {
    /// FeatureSignals flags as stored before `category` and `status` existed, and after, with every
    /// optional field set; and a segment with and without a description.
    static let featureSignalsFlags: [[String: JSONValue]] = [
        ["id": "f-1", "project_id": "p-1", "key": "beta", "name": "Beta", "flag_type": "boolean", "default_value": false,
         "tags": [], "prerequisites": [], "version": 1, "created_at": "t", "updated_at": "t"],
        ["id": "f-2", "project_id": "p-1", "key": "color", "name": "Color", "description": "Which colour", "flag_type": "ab",
         "category": "experiment", "status": "deprecated", "default_value": .null, "tags": ["web"], "prerequisites": ["beta"],
         "mutual_exclusion_group": "checkout", "expires_at": "2027-01-01T00:00:00.000Z", "version": 4, "created_at": "t",
         "updated_at": "u"],
    ]

    @Test func featureSignalsFlagsRoundTripExactlyAndAnswerWithDefaultsForWhatTheyLack() throws {
        for object in Self.featureSignalsFlags {
            #expect(FeatureSignalsFlagRecord(json: object)?.json == object)
        }
        let old = try #require(FeatureSignalsFlagRecord(json: Self.featureSignalsFlags[0]))
        #expect(old.answer["category"] == "release" && old.answer["status"] == "active")
        #expect(old.answer["description"] == .null && old.answer["expires_at"] == .null)
        #expect(old.answer["version"] == nil, "the answer has no version")
        let full = try #require(FeatureSignalsFlagRecord(json: Self.featureSignalsFlags[1]))
        #expect(full.answer["default_value"] == .null && full.answer["category"] == "experiment")
    }

    @Test func anEdgeFlagsFlagOrSegmentIsNotAFeatureSignalsOne() {
        let edgeFlags: [String: JSONValue] = ["key": "dark-mode", "enabled": true, "version": 1, "created_at": "t",
                                              "updated_at": "t", "conditions": []]
        #expect(FeatureSignalsFlagRecord(json: edgeFlags) == nil)
        #expect(FeatureSignalsSegmentRecord(json: edgeFlags) == nil)
    }

    @Test func featureSignalsSegmentsRoundTripExactly() throws {
        var segment: [String: JSONValue] = ["id": "s-1", "project_id": "p-1", "key": "pro", "name": "Pro", "match_type": "any",
                                            "rules": [["attribute": "plan", "operator": "eq", "values": ["pro"]]],
                                            "version": 2, "created_at": "t", "updated_at": "u"]
        #expect(FeatureSignalsSegmentRecord(json: segment)?.json == segment)
        #expect(try #require(FeatureSignalsSegmentRecord(json: segment)).answer["description"] == .null)
        segment["description"] = "Paying customers"
        #expect(FeatureSignalsSegmentRecord(json: segment)?.json == segment)
    }
}

extension JSONRecordTests {
    @Test func anEdgeFlagsFlagWithEveryFieldRoundTripsExactly() {
        let flag: [String: JSONValue] = [
            "key": "checkout", "enabled": true, "value": ["steps": 2], "defaultValue": ["steps": 1], "type": "json",
            "name": "Checkout", "description": "The flow", "tags": ["web"], "active_from": "2026-01-01T00:00:00.000Z",
            "active_until": "2027-01-01T00:00:00.000Z", "targeting": ["rules": [], "rollout": ["percentage": 30]],
            "environments": ["qa": ["value": ["steps": 5]]], "version": 3, "created_at": "t", "updated_at": "u",
        ]
        #expect(EdgeFlagsFlagRecord(json: flag)?.json == flag)
    }

    @Test func aRecordWrittenAroundTheAPIWithoutVersionOrTimesReadsAsVersionOne() throws {
        let written: [String: JSONValue] = ["key": "timeout", "value": 30]
        let config = try #require(ConfigRecord(json: written))
        #expect(config.version == 1 && config.createdAt == nil)
        #expect(config.json == written, "nothing is added to what was stored")
    }

    @Test func aMergeSetsTheNamedFieldsAndNullRemovesOne() throws {
        var segment = try #require(EdgeFlagsSegmentRecord(json: ["key": "beta", "name": "Beta", "conditions": []]))
        segment.set("name", .null)
        segment.set("description", "Early users")
        segment.set("key", "other")
        segment.set("match_type", "any")
        #expect(segment.json == ["key": "beta", "description": "Early users", "conditions": []])
    }

    @Test func aConfigAnswersAnEnvironmentsOverrideElseItsValue() throws {
        let config = try #require(ConfigRecord(json: ["key": "timeout", "value": 30,
                                                      "environments": ["production": ["value": 10], "qa": ["value": .null]]]))
        #expect(config.value(in: "production") == 10)
        #expect(config.value(in: "qa") == 30, "a null override overrides nothing")
        #expect(config.value(in: nil) == 30)
        #expect(config.overrides == ["production": 10])
    }
}
