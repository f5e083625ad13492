#if canImport(Glibc)
import Glibc
#endif

/// The SSRF guard of webhook targets: only `https`, and never a loopback, private, link-local,
/// CGNAT, multicast or unspecified address — checked when a webhook is registered and again,
/// after DNS resolution, right before each delivery (a name may be rebound). The operator switch
/// `WEBHOOKS_ALLOW_PRIVATE_TARGETS` lifts both rules for self-hosting and tests.
enum WebhookURLPolicy {
    /// nil when acceptable, else the 400 message.
    static func check(_ url: String, allowPrivate: Bool) -> String? {
        guard let parts = URLParts(url) else { return "Invalid webhook URL" }
        if allowPrivate { return parts.scheme == "https" || parts.scheme == "http" ? nil : "Webhook URL must use https" }
        guard parts.scheme == "https" else { return "Webhook URL must use https" }
        let host = parts.host.lowercased()
        if host == "localhost" || host.hasSuffix(".localhost") || host.hasSuffix(".local") || host.hasSuffix(".internal") {
            return privateMessage
        }
        // Any all-numeric host is an IPv4 literal in some spelling (decimal, hex, octal, short forms):
        // inet_aton reads them all the way a resolver would.
        if let addresses = literalAddresses(host) {
            return addresses.contains(where: isPrivate) ? privateMessage : nil
        }
        if let addresses = resolve(host), addresses.contains(where: isPrivate) { return privateMessage }
        return nil
    }

    /// Re-checked before each delivery, against what the name resolves to now.
    static func deliverable(_ url: String, allowPrivate: Bool) -> Bool {
        if allowPrivate { return check(url, allowPrivate: true) == nil }
        guard check(url, allowPrivate: false) == nil, let parts = URLParts(url) else { return false }
        if literalAddresses(parts.host.lowercased()) != nil { return true }
        guard let addresses = resolve(parts.host), !addresses.isEmpty else { return false }
        return !addresses.contains(where: isPrivate)
    }

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
        guard !host.isEmpty, !url.contains(where: { $0 == " " || $0 == "\n" || $0 == "\r" }) else { return nil }
    }
}
