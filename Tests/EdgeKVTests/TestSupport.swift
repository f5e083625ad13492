import EdgeJSON
import EdgeKV
import Foundation
import Synchronization
import Testing

/// A clock the test moves by hand: Unix seconds, read by the store on every operation.
final class TestClock: Sendable {
    private let seconds: Mutex<Double>

    init(_ start: Double = 1_700_000_000) { seconds = Mutex(start) }

    var now: Double { seconds.withLock { $0 } }
    var nowSeconds: Int64 { Int64(now.rounded(.down)) }

    func set(_ value: Double) { seconds.withLock { $0 = value } }
    func advance(by delta: Double) { seconds.withLock { $0 += delta } }

    var function: @Sendable () -> Double { { [self] in self.now } }
}

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TemporaryDirectory {
    let path: String

    init() {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("edgekv-tests-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func sub(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

let testNamespaces = ["FLAGS", "TOKENS"]

/// Options for tests: the injected clock, no background sweep during a test, no fsync unless asked.
func testOptions(clock: TestClock, durable: Bool = false, configure: (inout KVStoreOptions) -> Void = { _ in }) -> KVStoreOptions {
    var options = KVStoreOptions()
    options.clock = clock.function
    options.durable = durable
    options.sweepIntervalSeconds = 3600
    configure(&options)
    return options
}

/// Runs `body` with a store opened on its own temporary directory; closes it and removes the
/// directory afterwards, whatever happens.
@discardableResult
func withStore<R>(
    clock: TestClock = TestClock(),
    durable: Bool = false,
    configure: (inout KVStoreOptions) -> Void = { _ in },
    _ body: (KVStore, TemporaryDirectory) async throws -> R
) async throws -> R {
    let directory = TemporaryDirectory()
    defer { directory.remove() }
    let store = try KVStore(directory: directory.sub("store"), namespaces: testNamespaces,
                            options: testOptions(clock: clock, durable: durable, configure: configure))
    defer { store.close() }
    return try await body(store, directory)
}

/// Same as `withStore`, handing over the FLAGS namespace.
@discardableResult
func withFlags<R>(
    clock: TestClock = TestClock(),
    configure: (inout KVStoreOptions) -> Void = { _ in },
    _ body: (KVNamespace, KVStore) async throws -> R
) async throws -> R {
    try await withStore(clock: clock, configure: configure) { store, _ async throws in
        try await body(try #require(store.namespace("FLAGS")), store)
    }
}

/// Deterministic pseudo-random bytes (xorshift), so large-value tests can compare byte for byte.
func patternBytes(count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
    var state = seed
    var out = [UInt8](repeating: 0, count: count)
    var i = 0
    while i < count {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        var word = state
        for _ in 0..<8 where i < count {
            out[i] = UInt8(truncatingIfNeeded: word)
            word >>= 8
            i += 1
        }
    }
    return out
}

/// Every live key of a namespace, following cursors to the end.
func listAll(_ ns: KVNamespace, prefix: String? = nil, limit: Int = 1000) throws -> [KVListKey] {
    var keys: [KVListKey] = []
    var cursor: String? = nil
    for _ in 0..<10_000 {
        let page = try ns.list(prefix: prefix, limit: limit, cursor: cursor)
        keys += page.keys
        if page.listComplete { return keys }
        cursor = page.cursor
    }
    Issue.record("list never completed")
    return keys
}

func kvError(_ operation: String, _ status: Int, _ message: String) -> KVError {
    KVError(operation: operation, status: status, message: message)
}

/// A `KVListKey` as plain values (its memberwise initializer is not public).
struct Listed: Equatable, CustomStringConvertible {
    var name: String
    var expiration: Int64?
    var metadata: JSONValue?

    var description: String { "\(name) exp=\(expiration.map(String.init) ?? "nil") meta=\(metadata.map { "\($0)" } ?? "nil")" }
}

func listed(_ keys: [KVListKey]) -> [Listed] {
    keys.map { Listed(name: $0.name, expiration: $0.expiration, metadata: $0.metadata) }
}
