/// What the runner's metrics count a request under: the API dialect and the route template a worker
/// declares for it (`/api/v1/flags/{key}`, never the path as sent), so that every label stays from
/// a bounded set.
///
/// A worker makes one per route, once, and sets it on the route's responses (`Response.route`). The
/// runner keys its pre-resolved counters by the tag's identity: counting a request costs no string
/// work. A response without a tag is counted under ``untagged``.
public final class RouteTag: Sendable {
    /// A short lower-case name of the API the route speaks (`edgeflags`, `replication`).
    public let dialect: String
    /// The route's path template as the worker declares it.
    public let template: String

    public init(dialect: String, template: String) {
        self.dialect = dialect
        self.template = template
    }

    /// Every response without a tag: paths no route matched, runner-made errors, untagged workers.
    public static let untagged = RouteTag(dialect: "none", template: "unmatched")
}
