import EdgeJSON
import EdgeKV
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// A store written by the old code path opens and answers the same to the same requests.
///
/// `Fixtures/store.json` comes from `scripts/fixture-store` run with the binary of commit 7045f85
/// (before routes declared their policy, callers were typed and EdgeFlags flags, configs and
/// segments shared one keyed resource): every record of FLAGS and TOKENS as that binary stored it,
/// and the requests replayed against it with the status and body it answered. Regenerate it only
/// from an old binary; an answer that differs here is a change of behaviour to fix, not to re-record.
@Suite struct StoreCompatibilityTests {
    @Test func everyOldRecordIsLoadedAsStored() async throws {
        let fixture = try StoreFixture.load()
        let harness = try await fixture.openStore()
        #expect(fixture.records.count > 50, "the fixture holds a representative store")
        for binding in FlagsWorker.bindings {
            let namespace = try #require(harness.env.kv[binding])
            var listed: [KVListKey] = []
            var cursor: String?
            repeat {
                let page = try namespace.list(cursor: cursor)
                listed += page.keys
                cursor = page.listComplete ? nil : page.cursor
            } while cursor != nil
            let records = fixture.records.filter { $0.binding == binding }
            #expect(listed.map(\.name) == records.map(\.key), "\(binding): the keys as the old store listed them")
            for (key, record) in zip(listed, records) {
                #expect(key.expiration == record.expiration && key.metadata == record.metadata, "\(binding) \(record.key)")
                #expect(try namespace.getText(record.key) == record.value, "\(binding) \(record.key)")
            }
        }
    }

    @Test func oldStoreAnswersEveryReplayedRequestAsTheOldCodeDid() async throws {
        let fixture = try StoreFixture.load()
        let harness = try await fixture.openStore()
        #expect(fixture.replays.count > 100, "the fixture replays a representative set of requests")
        var access: String?
        for (index, replay) in fixture.replays.enumerated() {
            let label = "#\(index) \(replay.method) \(replay.target)"
            var headers = Headers()
            for (name, value) in replay.headers {
                if value.contains(StoreFixture.accessPlaceholder) {
                    let token = try #require(access, "\(label) needs a login replayed before it")
                    headers.add(name, value.replacingOccurrences(of: StoreFixture.accessPlaceholder, with: token))
                } else {
                    headers.add(name, value)
                }
            }
            var body: [UInt8] = []
            if let json = replay.body {
                headers.add("Content-Type", "application/json")
                body = json.serialized()
            }
            let response = await harness.dispatch(Request(method: replay.method, target: replay.target, headers: headers, body: body))
            let bytes = response.bodyBytes ?? []
            let answer: JSONValue = bytes.isEmpty ? .null : ((try? JSONValue.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self)))

            #expect(response.status == replay.status, "\(label): status \(response.status), the old code answered \(replay.status)")
            var expected = replay.answer, actual = answer
            if replay.isLogin, replay.status == 200 {
                // A login mints new JWTs (their iat, exp and jti are of this request): compare the
                // account it answers for, and keep the fresh access token for the requests after it.
                access = answer["tokens"]?["access_token"]?.stringValue
                expected = expected.removing("tokens")
                actual = actual.removing("tokens")
                #expect(access != nil, "\(label): no access token in \(answer.jsonString)")
            }
            actual = StoreFixture.withoutFieldsAddedSince(actual, comparedTo: expected)
            let differences = JSONDifference.between(expected, actual)
            #expect(differences.isEmpty, "\(label): \(differences.joined(separator: "; "))")
        }
    }
}

/// The fixture: the old store's records, its settings, and the replays with their old answers.
struct StoreFixture {
    static let accessPlaceholder = "$ACCESS"

    /// Fields the FeatureSignals answers gained after the fixture was recorded, by decision (the
    /// reference server's fields: a flag's `category` and `status`, an API key's `expires_at`), with
    /// the value each takes for a record stored before it existed. Only these, only with exactly
    /// these values, and only where the old answer lacked the field, are not a difference.
    static let fieldsAddedSince: [String: JSONValue] = ["category": "release", "status": "active", "expires_at": .null]

    /// `actual` without the added fields the old answer `expected` lacks, where they hold their
    /// defaults; objects and arrays are compared member by member.
    static func withoutFieldsAddedSince(_ actual: JSONValue, comparedTo expected: JSONValue) -> JSONValue {
        switch (actual, expected) {
        case (.object(var fields), .object(let old)):
            for (name, value) in fields {
                if old[name] == nil, fieldsAddedSince[name] == value {
                    fields.removeValue(forKey: name)
                } else if let before = old[name] {
                    fields[name] = withoutFieldsAddedSince(value, comparedTo: before)
                }
            }
            return .object(fields)
        case (.array(let items), .array(let old)) where items.count == old.count:
            return .array(zip(items, old).map { withoutFieldsAddedSince($0, comparedTo: $1) })
        default:
            return actual
        }
    }

    struct Record {
        var binding: String
        var key: String
        var value: String
        var metadata: JSONValue?
        var expiration: Int64?
    }

    struct Replay {
        var method: String
        var target: String
        var headers: [(String, String)]
        var body: JSONValue?
        var status: Int
        var answer: JSONValue
        var isLogin: Bool { method == "POST" && target == "/v1/auth/login" }
    }

    /// When the old store was dumped: the clock the replays run at, so that nothing it holds has
    /// expired and nothing depends on the day the test runs.
    var generatedAt: Double
    var secrets: [String: String]
    var vars: [String: JSONValue]
    var records: [Record]
    var replays: [Replay]

    static func load() throws -> StoreFixture {
        let url = try #require(Bundle.module.url(forResource: "store", withExtension: "json", subdirectory: "Fixtures"))
        let json = try JSONValue.parse(Array(try Data(contentsOf: url)))
        var records: [Record] = []
        for binding in FlagsWorker.bindings {
            for entry in try #require(json["namespaces"]?[binding]?.arrayValue, "namespace \(binding)") {
                records.append(Record(binding: binding, key: try #require(entry["key"]?.stringValue),
                                      value: try #require(entry["value"]?.stringValue), metadata: entry["metadata"],
                                      expiration: entry["expiration"]?.doubleValue.map { Int64($0) }))
            }
        }
        var replays: [Replay] = []
        for entry in try #require(json["requests"]?.arrayValue) {
            let headers = (entry["headers"]?.objectValue ?? [:]).sorted { $0.key < $1.key }
                .map { ($0.key, $0.value.stringValue ?? "") }
            replays.append(Replay(method: try #require(entry["method"]?.stringValue), target: try #require(entry["target"]?.stringValue),
                                  headers: headers, body: entry["body"],
                                  status: Int(try #require(entry["status"]?.doubleValue)), answer: entry["answer"] ?? .null))
        }
        return StoreFixture(generatedAt: try #require(json["generated_at"]?.doubleValue),
                            secrets: (json["secrets"]?.objectValue ?? [:]).compactMapValues(\.stringValue),
                            vars: json["vars"]?.objectValue ?? [:], records: records, replays: replays)
    }

    /// A fresh harness store holding exactly the old records, metadata and expirations included.
    func openStore() async throws -> WorkerHarness {
        let now = generatedAt
        let harness = try WorkerHarness(worker: FlagsWorker(), namespaces: FlagsWorker.bindings, vars: vars, secrets: secrets,
                                        clock: { now })
        for record in records {
            let namespace = try #require(harness.env.kv[record.binding])
            try await namespace.put(record.key, record.value,
                                    options: KVPutOptions(expiration: record.expiration, metadata: record.metadata))
        }
        return harness
    }
}

/// Where two JSON values differ, as `path: old … new` lines (for a failure that says what changed).
enum JSONDifference {
    static func between(_ old: JSONValue, _ new: JSONValue, path: String = "$") -> [String] {
        switch (old, new) {
        case (.object(let a), .object(let b)):
            var out: [String] = []
            for key in Set(a.keys).union(b.keys).sorted() {
                switch (a[key], b[key]) {
                case (let x?, let y?): out += between(x, y, path: "\(path).\(key)")
                case (let x?, nil): out.append("\(path).\(key): old \(x.jsonString), new absent")
                case (nil, let y?): out.append("\(path).\(key): old absent, new \(y.jsonString)")
                case (nil, nil): break
                }
            }
            return out
        case (.array(let a), .array(let b)) where a.count == b.count:
            return zip(a, b).enumerated().flatMap { between($1.0, $1.1, path: "\(path)[\($0)]") }
        default:
            return old == new ? [] : ["\(path): old \(old.jsonString), new \(new.jsonString)"]
        }
    }
}

extension JSONValue {
    /// This object without `key`.
    fileprivate func removing(_ key: String) -> JSONValue {
        guard case .object(var members) = self else { return self }
        members.removeValue(forKey: key)
        return .object(members)
    }
}
