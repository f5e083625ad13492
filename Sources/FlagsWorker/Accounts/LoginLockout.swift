import Synchronization

/// Failed logins per email and client address in a sliding window (per node), counted so that
/// guessing is slowed and then stopped without anyone being able to lock the owner out:
/// - **per (email, address)**: at `maxFailures` failures that address is refused for that email,
///   whatever password it sends, until its oldest counted failure leaves the window;
/// - **per email, every address together**: past `throttleAfter` failures, an address that has
///   itself failed for the email waits `2^(failures − throttleAfter)` seconds (at most the window)
///   after its own last failure before it is heard again.
///
/// An address with no failure for the email is never refused, so the owner's right password from
/// their own address goes through however many addresses guess; a success clears that address.
/// IPv6 clients are counted per /64, the block one subscriber usually holds. The reasoning against
/// OWASP's guidance is in the FeatureSignals compatibility article.
final class LoginLockout: Sendable {
    /// Email → client address (or /64) → times of its failures in the window, oldest first.
    private let failures = Mutex<[String: [String: [Int64]]]>([:])
    let maxFailures: Int
    let throttleAfter: Int
    let windowMillis: Int64
    static let maxEmails = 100_000
    static let maxAddressesPerEmail = 10_000

    init(maxFailures: Int, windowSeconds: Int64, throttleAfter: Int? = nil) {
        self.maxFailures = maxFailures
        self.throttleAfter = throttleAfter ?? max(1, maxFailures / 2)
        windowMillis = windowSeconds * 1000
    }

    /// Seconds until `address` may try `email` again, or nil when it may try now.
    func retryAfter(_ email: String, address: String, nowMillis: Int64) -> Int? {
        let address = Self.addressKey(address)
        return failures.withLock { all -> Int? in
            guard var byAddress = all[email] else { return nil }
            let cutoff = nowMillis - windowMillis
            for (key, times) in byAddress {
                let recent = times.filter { $0 > cutoff }
                byAddress[key] = recent.isEmpty ? nil : recent
            }
            all[email] = byAddress.isEmpty ? nil : byAddress
            guard let own = byAddress[address], let oldest = own.first, let last = own.last else { return nil }
            if own.count >= maxFailures { return Self.seconds(oldest + windowMillis - nowMillis) }
            let total = byAddress.values.reduce(0) { $0 + $1.count }
            guard total >= throttleAfter else { return nil }
            let delay = min(windowMillis, 1000 << Int64(min(total - throttleAfter, 40)))
            return last + delay > nowMillis ? Self.seconds(last + delay - nowMillis) : nil
        }
    }

    func recordFailure(_ email: String, address: String, nowMillis: Int64) {
        let address = Self.addressKey(address)
        failures.withLock { all in
            if all.count > Self.maxEmails { all = all.filter { $0.value.values.contains { $0.last ?? 0 > nowMillis - windowMillis } } }
            var byAddress = all[email] ?? [:]
            if byAddress[address] == nil, byAddress.count >= Self.maxAddressesPerEmail {
                // Forget the addresses that failed longest ago rather than stop counting new ones.
                let keep = byAddress.sorted { ($0.value.last ?? 0) > ($1.value.last ?? 0) }.prefix(Self.maxAddressesPerEmail * 9 / 10)
                byAddress = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
            }
            byAddress[address, default: []].append(nowMillis)
            all[email] = byAddress
        }
    }

    /// The right password from `address`: its failures were the owner's own, so they are forgotten.
    /// The other addresses' failures stay: one success vouches for nobody else.
    func recordSuccess(_ email: String, address: String) {
        let address = Self.addressKey(address)
        failures.withLock { all in
            all[email]?.removeValue(forKey: address)
            if all[email]?.isEmpty == true { all[email] = nil }
        }
    }

    /// An IPv4 address as it is; an IPv6 one by its /64 (anything unparsable as given).
    static func addressKey(_ ip: String) -> String {
        guard let bytes = WebhookURLPolicy.literalAddresses(ip)?.first, bytes.count == 16 else { return ip }
        let isV4 = bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF
        return isV4 ? ip : Hex.encode(Array(bytes[0..<8])) + "::/64"
    }

    private static func seconds(_ millis: Int64) -> Int {
        Int(max(1, (millis + 999) / 1000))
    }
}
