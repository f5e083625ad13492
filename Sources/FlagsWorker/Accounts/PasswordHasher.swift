import Crypto
import CryptoExtras
import Dispatch
import EdgeWorker
import Foundation
import Synchronization

/// scrypt password hashes, stored as `scrypt$<N>$<r>$<p>$<salt hex>$<hash hex>` so that a later
/// change of cost still verifies old hashes. Memory-hard (N = 2^17, r = 8 is 128 MiB, OWASP's
/// current advice); the cost is a setting so tests can run cheaply.
///
/// The derivation runs on queues of its own, one per CPU: it takes a few hundred milliseconds of CPU
/// (and 128 MiB), which must neither hold a thread of Swift's cooperative pool (requests resume
/// there) nor fill Dispatch's global pool (timers such as the shutdown drain fire there). So at
/// most one hash per CPU runs at a time; more wait their turn.
struct PasswordHasher: Sendable {
    private static let queues = (0..<max(1, ProcessInfo.processInfo.activeProcessorCount)).map {
        DispatchQueue(label: "edgeworker.scrypt.\($0)", qos: .userInitiated)
    }
    private static let next = Atomic<UInt>(0)

    let cost: Int
    let blockSize = 8
    let parallelism = 1

    func hash(_ password: String, random: RandomSource) async -> String? {
        let salt = random.bytes(16)
        guard let derived = await derive(password, salt: salt, cost: cost, blockSize: blockSize,
                                         parallelism: parallelism) else { return nil }
        return "scrypt$\(cost)$\(blockSize)$\(parallelism)$\(Hex.encode(salt))$\(Hex.encode(derived))"
    }

    /// Whether `password` matches `stored`. With no stored hash (an unknown email) the same work is
    /// done against a fixed salt at the current cost, so both failures take the same time.
    func verify(_ password: String, against stored: String?) async -> Bool {
        guard let stored, let parsed = Self.parse(stored) else {
            _ = await derive(password, salt: [UInt8](repeating: 0, count: 16), cost: cost, blockSize: blockSize,
                             parallelism: parallelism)
            return false
        }
        guard let derived = await derive(password, salt: parsed.salt, cost: parsed.cost, blockSize: parsed.blockSize,
                                         parallelism: parsed.parallelism) else { return false }
        return ConstantTime.equal(derived, parsed.hash)
    }

    private static func parse(_ stored: String) -> (cost: Int, blockSize: Int, parallelism: Int, salt: [UInt8], hash: [UInt8])? {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "scrypt", let cost = Int(parts[1]), let blockSize = Int(parts[2]),
              let parallelism = Int(parts[3]), let salt = Hex.decode(parts[4]), let hash = Hex.decode(parts[5]),
              cost >= 2, cost <= 1 << 20, blockSize >= 1, blockSize <= 32, parallelism >= 1, parallelism <= 4,
              hash.count == 32 else { return nil }
        return (cost, blockSize, parallelism, salt, hash)
    }

    private func derive(_ password: String, salt: [UInt8], cost: Int, blockSize: Int, parallelism: Int) async -> [UInt8]? {
        let queue = Self.queues[Int(Self.next.add(1, ordering: .relaxed).oldValue % UInt(Self.queues.count))]
        return await withCheckedContinuation { continuation in
            queue.async {
                let key = try? KDF.Scrypt.deriveKey(from: Array(password.utf8), salt: salt, outputByteCount: 32,
                                                    rounds: cost, blockSize: blockSize, parallelism: parallelism)
                continuation.resume(returning: key.map { $0.withUnsafeBytes { Array($0) } })
            }
        }
    }
}

/// Lowercase hex, both ways.
enum Hex {
    static func encode(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format2: $0) }.joined()
    }

    static func decode(_ text: Substring) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard bytes.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2)
        var index = 0
        while index < bytes.count {
            guard let high = nibble(bytes[index]), let low = nibble(bytes[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
}

/// Comparisons whose time does not depend on where the inputs differ.
enum ConstantTime {
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
