/// Deterministic assignment of a user to one of 10,000 buckets, shared by both dialects.
///
/// `murmur3_x86_32(flagKey + "." + value, seed 0) % 10000` over UTF-8 bytes (**Decided** in both
/// specs). Hashing the flag key in makes buckets of different flags independent. The hot path never
/// builds the joined string: it streams the bytes through `MurmurHasher`.
public enum Bucketing {
    /// The number of buckets: percentages are in basis points.
    public static let bucketCount: UInt32 = 10_000

    /// The bucket (0..<10000) of `value` for `flagKey`.
    public static func bucket(flagKey: String, value: String) -> Int {
        var hasher = MurmurHasher()
        hasher.combine(flagKey)
        hasher.combine(byte: UInt8(ascii: "."))
        hasher.combine(value)
        return Int(hasher.finalize() % bucketCount)
    }

    /// MurmurHash3 x86 32-bit of `bytes`.
    public static func murmur3_x86_32<Bytes: Sequence>(_ bytes: Bytes, seed: UInt32 = 0) -> UInt32
    where Bytes.Element == UInt8 {
        var hasher = MurmurHasher(seed: seed)
        for byte in bytes { hasher.combine(byte: byte) }
        return hasher.finalize()
    }
}
