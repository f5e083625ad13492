/// A small method-and-path router for workers: literal segments, `:name` parameters and a
/// trailing `*` wildcard. It tells "no such path" (404) apart from "path exists, method does not" (405).
///
/// Paths without parameters are found with one dictionary lookup; the others by a scan. The
/// matching code is `@inlinable` so that it is specialized for the worker's handler type: an
/// unspecialized generic scan costs microseconds of runtime metadata lookups per request.
public struct Router<Handler: Sendable>: Sendable {
    @usableFromInline
    struct Route: Sendable {
        @usableFromInline var method: String
        @usableFromInline var segments: [Segment]
        @usableFromInline var handler: Handler
    }

    @usableFromInline
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case wildcard
    }

    public enum Match {
        case found(Handler, RouteParameters)
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    @usableFromInline var routes: [Route] = []
    /// Routes of literal-only patterns by their exact path (`/api/v1/evaluate`).
    @usableFromInline var literal: [String: [Int]] = [:]

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            if part == "*" { return .wildcard }
            if part.hasPrefix(":") { return .parameter(String(part.dropFirst())) }
            return .literal(String(part))
        }
        routes.append(Route(method: method, segments: segments, handler: handler))
        if segments.allSatisfy({ if case .literal = $0 { return true } else { return false } }) {
            let path = "/" + segments.map { if case .literal(let s) = $0 { return s } else { return "" } }.joined(separator: "/")
            literal[path, default: []].append(routes.count - 1)
        }
    }

    /// Matches a percent-encoded path; parameters come back decoded.
    @inlinable
    public func match(method: String, path: Substring) -> Match {
        if let candidates = literal[String(path)] {
            var allowed: [String] = []
            for index in candidates {
                let route = routes[index]
                if route.method == method || (method == "HEAD" && route.method == "GET") {
                    return .found(route.handler, RouteParameters())
                }
                if !allowed.contains(route.method) { allowed.append(route.method) }
            }
            // A parameterized route may still take this method on the same path.
            if case .found(let handler, let parameters) = scan(method: method, path: path, allowed: &allowed) {
                return .found(handler, parameters)
            }
            return .methodNotAllowed(allowed: allowed)
        }
        var allowed: [String] = []
        return scan(method: method, path: path, allowed: &allowed)
    }

    @inlinable
    func scan(method: String, path: Substring, allowed: inout [String]) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for route in routes {
            guard let parameters = Self.match(route.segments, parts) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .found(route.handler, parameters)
            }
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    @inlinable
    static func match(_ segments: [Segment], _ parts: [Substring]) -> RouteParameters? {
        guard segments.count == parts.count || segments.last == .wildcard else { return nil }
        var parameters = RouteParameters()
        var index = 0
        while index < segments.count {
            switch segments[index] {
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
            index += 1
        }
        return parts.count == segments.count ? parameters : nil
    }
}

/// Decoded `:name` values of a matched route.
public struct RouteParameters: Sendable {
    public var values: [String: String] = [:]
    public init() {}
    public subscript(name: String) -> String? { values[name] }
}
