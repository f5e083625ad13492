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
        /// Which records under the prefix are of this kind (the dialects share `flag:` and `segment:`).
        var isOne: @Sendable ([String: JSONValue]) -> Bool
        var roundTrip: @Sendable ([String: JSONValue]) -> [String: JSONValue]?
        var testDescription: String { "\(binding) \(prefix) \(label)" }
        var label: String

        init<Record: JSONRecord>(_ binding: String, _ prefix: String, _ type: Record.Type,
                                 where isOne: @escaping @Sendable ([String: JSONValue]) -> Bool = { _ in true }) {
            self.binding = binding
            self.prefix = prefix
            self.isOne = isOne
            label = String(describing: type)
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
        Kind("FLAGS", "flag:", FeatureSignalsFlagRecord.self, where: FeatureSignalsModel.isFlag),
        Kind("FLAGS", "segment:", FeatureSignalsSegmentRecord.self, where: FeatureSignalsModel.isSegment),
        Kind("FLAGS", "flag:", EdgeFlagsFlagRecord.self, where: { !FeatureSignalsModel.isFlag($0) }),
        Kind("FLAGS", "segment:", EdgeFlagsSegmentRecord.self, where: { !FeatureSignalsModel.isSegment($0) }),
        Kind("FLAGS", "config:", ConfigRecord.self),
        Kind("FLAGS", "audit:", AuditEntry.self),
        Kind("TOKENS", "user:", UserRecord.self),
        Kind("TOKENS", "email:", UserIndex.self),
        Kind("TOKENS", "session:", SessionRecord.self),
    ]

    @Test(arguments: kinds)
    func everyOldRecordOfTheKindIsReadAndWrittenBackAsStored(_ kind: Kind) throws {
        let fixture = try StoreFixture.load()
        var count = 0
        for record in fixture.records where record.binding == kind.binding && record.key.hasPrefix(kind.prefix) {
            let object = try #require(try JSONValue.parse(Array(record.value.utf8)).objectValue, "\(record.key)")
            guard kind.isOne(object) else { continue }
            count += 1
            #expect(kind.roundTrip(object) == object, "\(record.key)")
        }
        #expect(count > 0, "the old store holds records of this kind")
    }
}
