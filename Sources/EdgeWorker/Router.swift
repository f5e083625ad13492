/// A small method-and-path router for workers: literal segments, `:name` parameters and a
/// trailing `*` wildcard. It tells "no such path" (404) apart from "path exists, method does not" (405).
///
/// Routes live in a tree of path segments, walked over the path's bytes in place: no strings, arrays
/// or dictionary lookups per request, and a cost that follows the depth of the path rather than the
/// number of routes. Of the routes whose pattern matches a path, a literal-only one wins, then the
/// first added that takes the method. The matching code is `@inlinable` so that it is specialized
/// for the worker's handler type: an unspecialized generic walk costs microseconds of runtime
/// metadata lookups per request.
public struct Router<Handler: Sendable>: Sendable {
    @usableFromInline
    struct Route: Sendable {
        @usableFromInline var method: String
        @usableFromInline var segments: [Segment]
        @usableFromInline var handler: Handler
        /// No parameter or wildcard: such a route wins over any pattern that also matches.
        @usableFromInline var isLiteral: Bool
    }

    @usableFromInline
    enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
        case wildcard
    }

    /// One segment position of the tree: where each kind of next segment leads, and the routes whose
    /// patterns end here.
    @usableFromInline
    struct Node: Sendable {
        /// Child nodes by literal segment (a few per node: compared byte by byte).
        @usableFromInline var literals: [(bytes: [UInt8], node: Int)] = []
        /// The child for a `:name` segment (any one segment).
        @usableFromInline var parameter: Int?
        /// Routes whose pattern ends in `*` here: they take the rest of the path, even nothing.
        @usableFromInline var wildcardRoutes: [Int] = []
        /// Routes whose pattern ends exactly here.
        @usableFromInline var routes: [Int] = []
    }

    /// The outcome of matching a method and path.
    public enum Match {
        /// A route takes the method and path: its handler and the `:name` values.
        case found(Handler, RouteParameters)
        /// Routes match the path but none takes the method: answer 405 with `Allow`.
        case methodNotAllowed(allowed: [String])
        /// No route matches the path: answer 404.
        case notFound
    }

    @usableFromInline var routes: [Route] = []
    /// The segment tree of every route; node 0 is the root.
    @usableFromInline var nodes: [Node] = [Node()]

    /// A router with no routes.
    public init() {}

    /// Adds a route: `method` and a pattern of literal segments, `:name` parameters and a trailing `*`.
    public mutating func add(_ method: String, _ pattern: String, _ handler: Handler) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            if part == "*" { return .wildcard }
            if part.hasPrefix(":") { return .parameter(String(part.dropFirst())) }
            return .literal(String(part))
        }
        let isLiteral = segments.allSatisfy { if case .literal = $0 { return true } else { return false } }
        let index = routes.count
        routes.append(Route(method: method, segments: segments, handler: handler, isLiteral: isLiteral))
        var node = 0
        for segment in segments {
            switch segment {
            case .wildcard:
                nodes[node].wildcardRoutes.append(index)
                return
            case .literal(let text):
                let bytes = Array(text.utf8)
                if let child = nodes[node].literals.first(where: { $0.bytes == bytes }) {
                    node = child.node
                } else {
                    nodes.append(Node())
                    nodes[node].literals.append((bytes: bytes, node: nodes.count - 1))
                    node = nodes.count - 1
                }
            case .parameter:
                if let next = nodes[node].parameter {
                    node = next
                } else {
                    nodes.append(Node())
                    nodes[node].parameter = nodes.count - 1
                    node = nodes.count - 1
                }
            }
        }
        nodes[node].routes.append(index)
    }

    /// Matches a percent-encoded path; parameters come back decoded.
    @inlinable
    public func match(method: String, path: Substring) -> Match {
        var path = path
        return path.withUTF8 { match(method: method, bytes: $0) }
    }

    @inlinable
    func match(method: String, bytes: UnsafeBufferPointer<UInt8>) -> Match {
        // Rank: literal routes first, then by the order they were added.
        var best = Int.max
        var matched = false
        walk(node: 0, bytes, from: 0) { index in
            matched = true
            guard Self.takes(routes[index].method, method) else { return }
            let rank = routes[index].isLiteral ? index : routes.count + index
            if rank < best { best = rank }
        }
        if best != .max {
            let index = best < routes.count ? best : best - routes.count
            let parameters = routes[index].isLiteral ? RouteParameters() : Self.parameters(routes[index].segments, bytes)
            return .found(routes[index].handler, parameters)
        }
        guard matched else { return .notFound }
        var candidates: [Int] = []
        walk(node: 0, bytes, from: 0) { candidates.append($0) }
        var allowed: [String] = []
        for index in candidates.sorted() where !allowed.contains(routes[index].method) {
            allowed.append(routes[index].method)
        }
        return .methodNotAllowed(allowed: allowed)
    }

    /// Whether a route of `routeMethod` answers `method` (HEAD is answered by GET routes).
    @inlinable
    static func takes(_ routeMethod: String, _ method: String) -> Bool {
        routeMethod == method || (method == "HEAD" && routeMethod == "GET")
    }

    /// The next non-empty segment at or after `position`: empty segments (`//`, a trailing `/`) are skipped.
    @inlinable
    static func segment(after position: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int>? {
        var start = position
        while start < bytes.count && bytes[start] == UInt8(ascii: "/") { start += 1 }
        guard start < bytes.count else { return nil }
        var end = start
        while end < bytes.count && bytes[end] != UInt8(ascii: "/") { end += 1 }
        return start..<end
    }

    /// Calls `visit` with every route whose pattern matches the path from `position` on, below `node`.
    @inlinable
    func walk(node: Int, _ bytes: UnsafeBufferPointer<UInt8>, from position: Int, _ visit: (Int) -> Void) {
        for index in nodes[node].wildcardRoutes { visit(index) }
        guard let range = Self.segment(after: position, in: bytes) else {
            for index in nodes[node].routes { visit(index) }
            return
        }
        let part = UnsafeBufferPointer(rebasing: bytes[range])
        if let child = nodes[node].literals.firstIndex(where: { Self.equal($0.bytes, part) }) {
            walk(node: nodes[node].literals[child].node, bytes, from: range.upperBound, visit)
        }
        if let next = nodes[node].parameter, Self.isParameter(part) {
            walk(node: next, bytes, from: range.upperBound, visit)
        }
    }

    @inlinable
    static func equal(_ literal: [UInt8], _ part: UnsafeBufferPointer<UInt8>) -> Bool {
        literal.count == part.count && literal.withUnsafeBufferPointer { $0.elementsEqual(part) }
    }

    /// A parameter takes any segment that percent-decodes to UTF-8; one without `%` always does.
    @inlinable
    static func isParameter(_ part: UnsafeBufferPointer<UInt8>) -> Bool {
        !part.contains(UInt8(ascii: "%")) || PercentDecoding.decode(part, plusAsSpace: false) != nil
    }

    /// The decoded parameters of a matched route's `segments` over the path.
    @inlinable
    static func parameters(_ segments: [Segment], _ bytes: UnsafeBufferPointer<UInt8>) -> RouteParameters {
        var parameters = RouteParameters()
        var position = 0
        for segment in segments {
            switch segment {
            case .wildcard:
                var rest: [String] = []
                while let range = Self.segment(after: position, in: bytes) {
                    rest.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
                    position = range.upperBound
                }
                parameters.set("*", rest.joined(separator: "/"))
                return parameters
            case .literal:
                guard let range = Self.segment(after: position, in: bytes) else { return parameters }
                position = range.upperBound
            case .parameter(let name):
                guard let range = Self.segment(after: position, in: bytes) else { return parameters }
                position = range.upperBound
                if let value = PercentDecoding.decode(UnsafeBufferPointer(rebasing: bytes[range]), plusAsSpace: false) {
                    parameters.set(name, value)
                }
            }
        }
        return parameters
    }
}

/// Decoded `:name` values of a matched route (a few pairs: a list, not a dictionary to allocate).
public struct RouteParameters: Sendable {
    @usableFromInline var pairs: [(name: String, value: String)] = []
    /// No parameters (the router fills them in as it matches).
    public init() {}
    /// The decoded value of `:name`, if the route has it.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }
    @inlinable
    mutating func set(_ name: String, _ value: String) {
        pairs.append((name: name, value: value))
    }
}
