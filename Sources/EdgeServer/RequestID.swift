import Synchronization

/// The id of each request: the `X-Request-Id` a trusted proxy sent (so one id follows a request
/// through the proxy's log and this one), else one made here. It goes in the access log, back in
/// the response's `X-Request-Id`, and in the bodies of the errors the runner answers itself.
///
/// Made ids are a random per-server prefix and a counter, 15 characters of base 32 (`0-9a-v`):
/// unique without a call to the system's random source per request, and short enough for Swift's
/// inline strings, so making one allocates nothing.
final class RequestIDs: Sendable {
    private let prefix: UInt64
    private let next: Atomic<UInt64>

    init() {
        var random = SystemRandomNumberGenerator()
        prefix = random.next() & ((1 << 35) - 1)
        next = Atomic(random.next() & 0xFFFF_FFFF)
    }

    /// The longest id taken from a proxy; longer ones are replaced.
    static let maxLength = 128

    /// The proxy's id when `trusted` and it is a plain token, else a new one.
    func id(forwarded: String?, trusted: Bool) -> String {
        if trusted, let forwarded, Self.isAcceptable(forwarded) { return forwarded }
        return make()
    }

    func make() -> String {
        let count = next.add(1, ordering: .relaxed).newValue
        // 7 digits of prefix (35 bits), 8 of counter (40 bits).
        return String(unsafeUninitializedCapacity: 15) { out in
            var value = prefix
            for i in (0..<7).reversed() {
                out[i] = Self.digit(value & 31)
                value >>= 5
            }
            value = count
            for i in (7..<15).reversed() {
                out[i] = Self.digit(value & 31)
                value >>= 5
            }
            return 15
        }
    }

    private static func digit(_ value: UInt64) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + UInt8(value) : UInt8(ascii: "a") + UInt8(value - 10)
    }

    /// Letters, digits and `-._:@+=/`, at most `maxLength`: safe in a header, a log line and JSON.
    static func isAcceptable(_ id: String) -> Bool {
        let utf8 = id.utf8
        guard !utf8.isEmpty, utf8.count <= maxLength else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: ":"), UInt8(ascii: "@"),
                 UInt8(ascii: "+"), UInt8(ascii: "="), UInt8(ascii: "/"):
                true
            default:
                false
            }
        }
    }
}
