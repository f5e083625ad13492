import EdgeJSON
import EdgeKV
import Foundation

/// The wire form of `GET /__edge/changes`: JSON, readable with `curl`, with keys and stored records
/// in base64 since they are bytes.
///
///     {"latest": 42, "changes": [{"sequence": 41, "timestamp_ms": 1768473000000, "op": "put",
///       "namespace": "flags", "key": "<base64>", "record": "<base64>"}, …]}
///
/// `record` is the stored form (header with expiration, metadata, value), so a replica writes
/// exactly the bytes the origin has.
enum ChangeFeedFormat {
    static func encode(_ page: KVChangePage) -> [UInt8] {
        JSONValue.object([
            "latest": .number(Double(page.latest)),
            "changes": .array(page.changes.map { change in
                .object(["sequence": .number(Double(change.sequence)),
                         "timestamp_ms": .number(Double(change.timestampMillis)),
                         "op": .string(name(change.operation)), "namespace": .string(change.namespace),
                         "key": .string(Data(change.key).base64EncodedString()),
                         "record": .string(Data(change.record).base64EncodedString())])
            }),
        ]).serialized()
    }

    static func decode(_ bytes: [UInt8]) throws(OriginError) -> KVChangePage {
        guard let value = try? JSONValue.parse(bytes), let latest = value["latest"]?.doubleValue,
              let list = value["changes"]?.arrayValue else {
            throw .malformed("the change feed answered an unexpected shape")
        }
        var changes: [KVChange] = []
        changes.reserveCapacity(list.count)
        for entry in list {
            guard let sequence = entry["sequence"]?.doubleValue, let timestamp = entry["timestamp_ms"]?.doubleValue,
                  let op = entry["op"]?.stringValue.flatMap(operation), let namespace = entry["namespace"]?.stringValue,
                  let key = entry["key"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
                  let record = entry["record"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
            else { throw .malformed("the change feed sent a malformed change") }
            changes.append(KVChange(sequence: UInt64(sequence), timestampMillis: Int64(timestamp), operation: op,
                                    namespace: namespace, key: [UInt8](key), record: [UInt8](record)))
        }
        // Applying out of order would corrupt the replica: refuse a page that is not strictly ascending.
        for (a, b) in zip(changes, changes.dropFirst()) where b.sequence <= a.sequence {
            throw .malformed("the change feed sent changes out of order")
        }
        return KVChangePage(changes: changes, latest: UInt64(latest))
    }

    static func name(_ operation: KVChange.Operation) -> String {
        switch operation {
        case .put: return "put"
        case .delete: return "delete"
        case .expire: return "expire"
        }
    }

    static func operation(_ name: String) -> KVChange.Operation? {
        switch name {
        case "put": return .put
        case "delete": return .delete
        case "expire": return .expire
        default: return nil
        }
    }
}
