import Crypto

extension Digest {
    /// Lowercase hex, written straight into the string's storage (it runs on every authenticated
    /// request: the token cache is keyed by it).
    var hexString: String {
        withUnsafeBytes { digest in
            String(unsafeUninitializedCapacity: digest.count * 2) { out in
                for (i, byte) in digest.enumerated() {
                    out[2 * i] = hexDigit(byte >> 4)
                    out[2 * i + 1] = hexDigit(byte & 0x0F)
                }
                return digest.count * 2
            }
        }
    }
}

@inline(__always)
private func hexDigit(_ nibble: UInt8) -> UInt8 { nibble < 10 ? 0x30 + nibble : 0x57 + nibble }
