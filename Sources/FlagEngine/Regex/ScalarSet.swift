/// A set of Unicode scalars as sorted, disjoint, non-adjacent ranges, with an ASCII bitmap so the
/// common case is one shift and mask.
struct ScalarSet: Sendable, Hashable {
    static let maxScalar: UInt32 = 0x10FFFF

    private(set) var ranges: [ClosedRange<UInt32>]
    private var asciiLow: UInt64 = 0
    private var asciiHigh: UInt64 = 0

    init(_ ranges: [ClosedRange<UInt32>] = []) {
        self.ranges = []
        for range in ranges { self.ranges.append(range) }
        normalize()
    }

    static let digits = ScalarSet([48...57])
    static let word = ScalarSet([48...57, 65...90, 95...95, 97...122])
    /// `\s`: tab, newline, vertical tab, form feed, carriage return, space (ASCII, as in RE2).
    static let space = ScalarSet([9...13, 32...32])

    mutating func insert(_ range: ClosedRange<UInt32>) {
        ranges.append(range)
        normalize()
    }

    mutating func formUnion(_ other: ScalarSet) {
        ranges.append(contentsOf: other.ranges)
        normalize()
    }

    func inverted() -> ScalarSet {
        var result: [ClosedRange<UInt32>] = []
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { result.append(next...(range.lowerBound - 1)) }
            next = range.upperBound &+ 1
        }
        if ranges.last.map({ $0.upperBound < Self.maxScalar }) ?? true {
            result.append(next...Self.maxScalar)
        }
        return ScalarSet(result)
    }

    /// Adds the other ASCII case of every ASCII letter in the set (`(?i)` inside classes).
    func addingASCIICaseVariants() -> ScalarSet {
        var result = self
        for range in ranges {
            if range.overlaps(65...90) {
                let upper = range.clamped(to: 65...90)
                result.ranges.append((upper.lowerBound + 32)...(upper.upperBound + 32))
            }
            if range.overlaps(97...122) {
                let lower = range.clamped(to: 97...122)
                result.ranges.append((lower.lowerBound - 32)...(lower.upperBound - 32))
            }
        }
        result.normalize()
        return result
    }

    @inline(__always)
    func contains(_ scalar: UInt32) -> Bool {
        if scalar < 64 { return asciiLow & (1 << UInt64(scalar)) != 0 }
        if scalar < 128 { return asciiHigh & (1 << UInt64(scalar - 64)) != 0 }
        var low = 0
        var high = ranges.count
        while low < high {
            let middle = (low + high) / 2
            let range = ranges[middle]
            if scalar < range.lowerBound {
                high = middle
            } else if scalar > range.upperBound {
                low = middle + 1
            } else {
                return true
            }
        }
        return false
    }

    private mutating func normalize() {
        ranges.sort { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<UInt32>] = []
        merged.reserveCapacity(ranges.count)
        for range in ranges {
            if let last = merged.last, range.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        ranges = merged
        asciiLow = 0
        asciiHigh = 0
        for range in ranges where range.lowerBound < 128 {
            for scalar in range.lowerBound...min(range.upperBound, 127) {
                if scalar < 64 { asciiLow |= 1 << UInt64(scalar) } else { asciiHigh |= 1 << UInt64(scalar - 64) }
            }
        }
    }
}
