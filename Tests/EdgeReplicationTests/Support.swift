import EdgeKV
import Foundation

/// A replica's store of one `flags` namespace in a new temporary directory, and that directory
/// (remove it when done).
func makeReplicaStore(of origin: String, durable: Bool = true) throws -> (store: KVStore, directory: String) {
    let directory = NSTemporaryDirectory() + "edge-replica-\(UUID().uuidString)"
    var options = KVStoreOptions()
    options.mapSizeBytes = 64 << 20
    options.durable = durable
    options.role = .replica(of: origin)
    return (try KVStore(directory: directory, namespaces: ["flags"], options: options), directory)
}
