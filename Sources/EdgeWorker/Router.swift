/// A small method-and-path router for workers: literal segments, `:name` parameters and a
/// trailing `*` wildcard. It tells "no such path" (404) apart from "path exists, method does not" (405).
public struct Router<Handler: Sendable>: Sendable {
    private struct Route: Sendable {
        var method: String
        var segments: [Segment]
        var handler: Handler
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case wildcard
    }

    public enum Match {
        case found(Handler, RouteParameters)
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            if part == "*" { return .wildcard }
            if part.hasPrefix(":") { return .parameter(String(part.dropFirst())) }
            return .literal(String(part))
        }
        routes.append(Route(method: method, segments: segments, handler: handler))
    }

    /// Matches a percent-encoded path; parameters come back decoded.
    public func match(method: String, path: Substring) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Self.match(route.segments, parts) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .found(route.handler, parameters)
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    private static func match(_ segments: [Segment], _ parts: [Substring]) -> RouteParameters? {
        var parameters = RouteParameters()
        for (index, segment) in segments.enumerated() {
            switch segment {
            case .wildcard:
                parameters.values["*"] = parts[index...].joined(separator: "/")
                return parameters
            case .literal(let literal):
                guard index < parts.count, parts[index] == literal else { return nil }
            case .parameter(let name):
                guard index < parts.count, let decoded = PercentDecoding.decode(parts[index], plusAsSpace: false) else {
                    return nil
                }
                parameters.values[name] = decoded
            }
        }
        return parts.count == segments.count ? parameters : nil
    }
}

/// Decoded `:name` values of a matched route.
public struct RouteParameters: Sendable {
    public var values: [String: String] = [:]
    public subscript(name: String) -> String? { values[name] }
}
