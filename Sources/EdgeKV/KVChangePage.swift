/// A page of the change log, as the origin serves it to replicas.
public struct KVChangePage: Sendable, Equatable {
    public var changes: [KVChange]
    /// The store's sequence when the page was read: the caller is caught up when it has applied it.
    public var latest: UInt64

    public init(changes: [KVChange], latest: UInt64) {
        self.changes = changes
        self.latest = latest
    }
}
