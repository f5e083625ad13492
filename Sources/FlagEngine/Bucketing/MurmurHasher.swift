/// MurmurHash3 x86_32 fed incrementally, so a key can be hashed from pieces without joining them;
/// a compiled flag keeps the state after `"key."` and copies it for each user.
struct MurmurHasher {
    private var hash: UInt32
    private var pending: UInt32 = 0
    private var pendingCount: UInt32 = 0
    private var length: UInt32 = 0

    init(seed: UInt32 = 0) {
        hash = seed
    }

    @inline(__always)
    mutating func combine(byte: UInt8) {
        pending |= UInt32(byte) << (pendingCount &* 8)
        pendingCount &+= 1
        length &+= 1
        if pendingCount == 4 {
            hash ^= Self.scramble(pending)
            hash = (hash << 13 | hash >> 19) &* 5 &+ 0xe654_6b64
            pending = 0
            pendingCount = 0
        }
    }

    @inline(__always)
    mutating func combine(_ string: String) {
        let done: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            for byte in bytes { combine(byte: byte) }
        }
        if done == nil {
            for byte in string.utf8 { combine(byte: byte) }
        }
    }

    func finalize() -> UInt32 {
        var hash = self.hash
        if pendingCount > 0 { hash ^= Self.scramble(pending) }
        hash ^= length
        hash ^= hash >> 16
        hash = hash &* 0x85eb_ca6b
        hash ^= hash >> 13
        hash = hash &* 0xc2b2_ae35
        hash ^= hash >> 16
        return hash
    }

    @inline(__always)
    private static func scramble(_ block: UInt32) -> UInt32 {
        var k = block &* 0xcc9e_2d51
        k = k << 15 | k >> 17
        return k &* 0x1b87_3593
    }
}
