import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The SSRF guard of webhook targets: only `https`, and never a loopback, private, link-local,
/// CGNAT, multicast or unspecified address — checked when a webhook is registered and again,
/// after DNS resolution, right before each delivery (a name may be rebound). The operator switch
/// `WEBHOOKS_ALLOW_PRIVATE_TARGETS` lifts both rules for self-hosting and tests.
enum WebhookURLPolicy {
    /// A blocking name lookup: `resolve` (getaddrinfo), or a stand-in in tests.
    typealias Resolver = @Sendable (String) -> [Address]?

    /// nil when acceptable, else the 400 message. A name that does not resolve within `lookupSeconds`
    /// is let through: every delivery resolves it again, and waits for the answer.
    static func check(_ url: String, allowPrivate: Bool, resolve: @escaping Resolver = resolve,
                      lookupSeconds: Double = 2) async -> String? {
        switch verdict(url, allowPrivate: allowPrivate) {
        case .refused(let message): return message
        case .accepted: return nil
        case .name(let host):
            guard case let addresses?? = await lookUp(host, resolve, within: lookupSeconds) else { return nil }
            return addresses.contains(where: isPrivate) ? privateMessage : nil
        }
    }

    /// Re-checked before each delivery, against what the name resolves to now.
    static func deliverable(_ url: String, allowPrivate: Bool, resolve: @escaping Resolver = resolve) async -> Bool {
        switch verdict(url, allowPrivate: allowPrivate) {
        case .refused: return false
        case .accepted: return true
        case .name(let host):
            guard let addresses = await lookUp(host, resolve), !addresses.isEmpty else { return false }
            return !addresses.contains(where: isPrivate)
        }
    }

    private enum Verdict {
        case refused(String)
        case accepted
        /// A host name, to be judged by what it resolves to.
        case name(String)
    }

    /// What the URL alone tells.
    private static func verdict(_ url: String, allowPrivate: Bool) -> Verdict {
        guard let parts = URLParts(url) else { return .refused("Invalid webhook URL") }
        if allowPrivate { return parts.scheme == "https" || parts.scheme == "http" ? .accepted : .refused("Webhook URL must use https") }
        guard parts.scheme == "https" else { return .refused("Webhook URL must use https") }
        let host = parts.host.lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") || host.hasSuffix(".local") || host.hasSuffix(".internal") {
            return .refused(privateMessage)
        }
        // Any all-numeric host is an IPv4 literal in some spelling (decimal, hex, octal, short forms):
        // inet_aton reads them all the way a resolver would.
        if let addresses = literalAddresses(host) {
            return addresses.contains(where: isPrivate) ? .refused(privateMessage) : .accepted
        }
        return .name(host)
    }

    /// Runs a lookup on a thread of its own. getaddrinfo can block for seconds (a lost UDP answer waits
    /// out the resolver's 5 s timeout): on an event loop, that stalls every connection of the loop.
    /// Serial queues get threads outside the shared pools, and four of them bound the threads used.
    static func lookUp(_ host: String, _ resolve: @escaping Resolver) async -> [Address]? {
        let queue = lookupQueues[Int(nextQueue.add(1, ordering: .relaxed).oldValue % UInt(lookupQueues.count))]
        return await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: resolve(host)) }
        }
    }

    /// `lookUp` that gives up after `seconds` (the outer nil; the lookup itself still runs to its end).
    static func lookUp(_ host: String, _ resolve: @escaping Resolver, within seconds: Double) async -> [Address]?? {
        await withCheckedContinuation { continuation in
            let first = FirstAnswer(continuation)
            Task { first.give(.some(await lookUp(host, resolve))) }
            Task {
                try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                first.give(nil)
            }
        }
    }

    private static let lookupQueues = (0..<4).map { DispatchQueue(label: "edgeworker.webhook-dns.\($0)") }
    private static let nextQueue = Atomic<UInt>(0)

    static let privateMessage = "Webhook URL points to a private or loopback address"

    /// An address as 16 bytes (IPv4 mapped into IPv6).
    typealias Address = [UInt8]

    static func literalAddresses(_ host: String) -> [Address]? {
        var bracketless = host
        if bracketless.hasPrefix("[") && bracketless.hasSuffix("]") { bracketless = String(bracketless.dropFirst().dropLast()) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, bracketless, &v6) == 1 {
            return [withUnsafeBytes(of: &v6) { Array($0) }]
        }
        var v4 = in_addr()
        if inet_aton(bracketless, &v4) != 0 {
            return [mapped(withUnsafeBytes(of: &v4) { Array($0) })]
        }
        return nil
    }

    @Sendable
    static func resolve(_ host: String) -> [Address]? {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &result) == 0, let first = result else { return nil }
        defer { freeaddrinfo(first) }
        var out: [Address] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let info = cursor {
            if info.pointee.ai_family == AF_INET, let raw = info.pointee.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    var address = sin.pointee.sin_addr
                    out.append(mapped(withUnsafeBytes(of: &address) { Array($0) }))
                }
            } else if info.pointee.ai_family == AF_INET6, let raw = info.pointee.ai_addr {
                raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var address = sin6.pointee.sin6_addr
                    out.append(withUnsafeBytes(of: &address) { Array($0) })
                }
            }
            cursor = info.pointee.ai_next
        }
        return out
    }

    static func mapped(_ v4: [UInt8]) -> Address { [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF] + v4 }

    static func isPrivate(_ a: Address) -> Bool {
        if a[0..<10].allSatisfy({ $0 == 0 }) && a[10] == 0xFF && a[11] == 0xFF {
            let v4 = Array(a[12...])
            switch (v4[0], v4[1]) {
            case (0, _), (10, _), (127, _): return true
            case (100, 64...127): return true          // CGNAT
            case (169, 254): return true                // link-local, cloud metadata
            case (172, 16...31), (192, 168): return true
            case (192, 0) where v4[2] == 0: return true // IETF protocol assignments
            case (198, 18...19): return true            // benchmarking
            case (224...255, _): return true            // multicast, reserved, broadcast
            default: return false
            }
        }
        if a.allSatisfy({ $0 == 0 }) { return true }                     // ::
        if a[0..<15].allSatisfy({ $0 == 0 }) && a[15] == 1 { return true } // ::1
        if a[0] & 0xFE == 0xFC { return true }                          // fc00::/7 unique local
        if a[0] == 0xFE && a[1] & 0xC0 == 0x80 { return true }          // fe80::/10 link-local
        if a[0] == 0xFF { return true }                                 // multicast
        if a[0..<12].allSatisfy({ $0 == 0 }) { return true }            // IPv4-compatible (deprecated)
        if a[0] == 0x00 && a[1] == 0x64 && a[2] == 0xFF && a[3] == 0x9B { // 64:ff9b::/96 NAT64 of v4
            return isPrivate(mapped(Array(a[12...])))
        }
        return false
    }
}

/// Scheme and host of an absolute URL (userinfo and port stripped).
struct URLParts {
    var scheme: String
    var host: String

    init?(_ url: String) {
        guard let range = url.range(of: "://") else { return nil }
        scheme = url[..<range.lowerBound].lowercased()
        var rest = url[range.upperBound...]
        if let end = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = String(rest[...close])
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
        } else {
            host = String(rest)
        }
        // Printable ASCII only (an IRI's Unicode must arrive as punycode and percent-escapes), and a host
        // that is a name or a bracketed IPv6 literal.
        guard !host.isEmpty, url.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }),
              host.hasPrefix("[") || host.utf8.allSatisfy({ Self.isHostByte($0) }) else { return nil }
    }

    private static func isHostByte(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || (c >= 0x30 && c <= 0x39) || c == 0x2E || c == 0x2D || c == 0x5F
    }
}

/// Resumes a continuation with whichever answer comes first; later ones are dropped.
private final class FirstAnswer<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) { self.continuation = Mutex(continuation) }

    func give(_ value: Value) {
        let waiting = continuation.withLock { slot -> CheckedContinuation<Value, Never>? in
            defer { slot = nil }
            return slot
        }
        waiting?.resume(returning: value)
    }
}
