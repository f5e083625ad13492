import EdgeJSON
@testable import FlagsWorker
import Testing

/// Every record of the store the old code wrote (`Fixtures/store.json`) is read by its type and
/// written back as the very object it was: typing the records changed no stored byte.
@Suite("Typed records read the old store")
struct OldStoreRecordTests {
    /// A typed record kind: where it lives, and its mapping there and back.
    struct Kind: Sendable, CustomTestStringConvertible {
        var binding: String
        /// The key prefix.
        var prefix: String
        var roundTrip: @Sendable ([String: JSONValue]) -> [String: JSONValue]?
        var testDescription: String { "\(binding) \(prefix)" }

        init<Record: JSONRecord>(_ binding: String, _ prefix: String, _ type: Record.Type) {
            self.binding = binding
            self.prefix = prefix
            roundTrip = { Record(json: $0)?.json }
        }
    }

    static let kinds: [Kind] = [
        Kind("FLAGS", "project:", ProjectRecord.self),
        Kind("FLAGS", "environment:", EnvironmentRecord.self),
        Kind("FLAGS", "envindex:", ProjectIndex.self),
        Kind("FLAGS", "orgproject:", ProjectIndex.self),
        Kind("FLAGS", "org:", OrganizationRecord.self),
        Kind("FLAGS", "orgslug:", OrganizationIndex.self),
        Kind("FLAGS", "member:", MemberRecord.self),
        Kind("FLAGS", "flagstate:", FlagStateRecord.self),
        Kind("FLAGS", "audit:", AuditEntry.self),
        Kind("TOKENS", "user:", UserRecord.self),
        Kind("TOKENS", "email:", UserIndex.self),
        Kind("TOKENS", "session:", SessionRecord.self),
    ]

    @Test(arguments: kinds)
    func everyOldRecordOfTheKindIsReadAndWrittenBackAsStored(_ kind: Kind) throws {
        let fixture = try StoreFixture.load()
        let records = fixture.records.filter { $0.binding == kind.binding && $0.key.hasPrefix(kind.prefix) }
        #expect(!records.isEmpty, "the old store holds records of this kind")
        for record in records {
            let object = try #require(try JSONValue.parse(Array(record.value.utf8)).objectValue, "\(record.key)")
            #expect(kind.roundTrip(object) == object, "\(record.key)")
        }
    }
}
