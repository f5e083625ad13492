/// A compiled pattern and the Pike VM that runs it: a breadth-first simulation of the NFA, so matching
/// costs O(input length × program size) whatever the pattern — no backtracking, no blow-up on hostile
/// input such as `(a+)+$`.
///
/// Only "does it match anywhere" is needed, so there are no capture slots: a thread is a program
/// counter, each list holds every counter at most once, and the search stops at the first `match`.
struct RegexProgram: Sendable {
    /// Bounds the work per input scalar; `a{1000}` fits, `(a{100}){100}` does not.
    static let maxInstructions = 2000

    enum Instruction: Sendable {
        case scalar(UInt32)
        case set(Int)
        case any
        case anyExceptNewline
        case assertion(RegexAssertion)
        case split(Int, Int)
        case jump(Int)
        case match
    }

    private(set) var instructions: [Instruction] = []
    private(set) var sets: [ScalarSet] = []
    /// The pattern starts with `^`/`\A` in every branch: only position 0 can start a match.
    private(set) var anchoredAtStart = false

    init(_ node: RegexNode, pattern: String) throws(RegexError) {
        anchoredAtStart = Self.isAnchoredAtStart(node)
        do {
            try emit(node)
            try append(.match)
        } catch {
            throw RegexError(pattern: pattern, message: "pattern too complex (over \(Self.maxInstructions) instructions)")
        }
    }

    // MARK: - Compiling

    private struct TooLarge: Error {}

    private mutating func append(_ instruction: Instruction) throws(TooLarge) {
        guard instructions.count < Self.maxInstructions else { throw TooLarge() }
        instructions.append(instruction)
    }

    private mutating func emit(_ node: RegexNode) throws(TooLarge) {
        switch node {
        case .empty:
            break
        case .scalar(let value):
            try append(.scalar(value))
        case .set(let set):
            if let index = sets.firstIndex(of: set) {
                try append(.set(index))
            } else {
                sets.append(set)
                try append(.set(sets.count - 1))
            }
        case .anyScalar(let includingNewline):
            try append(includingNewline ? .any : .anyExceptNewline)
        case .assertion(let assertion):
            try append(.assertion(assertion))
        case .concatenation(let items):
            for item in items { try emit(item) }
        case .alternation(let branches):
            // split L1, next; L1: a; jump end; next: split L2, …; last branch falls through to end.
            var jumps: [Int] = []
            for (offset, branch) in branches.enumerated() {
                if offset < branches.count - 1 {
                    let split = instructions.count
                    try append(.split(split + 1, 0))
                    try emit(branch)
                    jumps.append(instructions.count)
                    try append(.jump(0))
                    instructions[split] = .split(split + 1, instructions.count)
                } else {
                    try emit(branch)
                }
            }
            for jump in jumps { instructions[jump] = .jump(instructions.count) }
        case .repetition(let item, let min, let max):
            try emitRepetition(item, min: min, max: max)
        }
    }

    private mutating func emitRepetition(_ item: RegexNode, min: Int, max: Int?) throws(TooLarge) {
        var lastCopyStart = instructions.count
        for _ in 0..<min {
            lastCopyStart = instructions.count
            try emit(item)
        }
        guard let max else {
            if min > 0 {
                // The last mandatory copy becomes `item+`.
                try append(.split(lastCopyStart, instructions.count + 1))
            } else {
                let split = instructions.count
                try append(.split(split + 1, 0))
                try emit(item)
                try append(.jump(split))
                instructions[split] = .split(split + 1, instructions.count)
            }
            return
        }
        var splits: [Int] = []
        for _ in min..<max {
            splits.append(instructions.count)
            try append(.split(instructions.count + 1, 0))
            try emit(item)
        }
        for split in splits { instructions[split] = .split(split + 1, instructions.count) }
    }

    private static func isAnchoredAtStart(_ node: RegexNode) -> Bool {
        switch node {
        case .assertion(.textStart): return true
        case .concatenation(let items): return items.first.map(isAnchoredAtStart) ?? false
        case .alternation(let branches): return branches.allSatisfy(isAnchoredAtStart)
        default: return false
        }
    }

    // MARK: - Matching

    /// True when the pattern matches somewhere in `input` (search semantics).
    func matches(_ input: String) -> Bool {
        let count = instructions.count
        return withUnsafeTemporaryAllocation(of: Int32.self, capacity: count * 4) { buffer in
            guard let base = buffer.baseAddress else { return false }
            let marks = base
            var current = base + count
            var next = base + 2 * count
            let stack = base + 3 * count
            marks.initialize(repeating: -1, count: count)
            var currentCount = 0
            var nextCount = 0
            var generation: Int32 = 0

            /// Follows jumps, splits and assertions from `start`, adding consuming instructions to
            /// `list`; returns true when a `match` is reachable.
            func addThread(_ start: Int, to list: UnsafeMutablePointer<Int32>, count listCount: inout Int,
                           generation: Int32, previous: UInt32?, current: UInt32?) -> Bool {
                guard marks[start] != generation else { return false }
                marks[start] = generation
                stack[0] = Int32(start)
                var depth = 1
                while depth > 0 {
                    depth -= 1
                    let pc = Int(stack[depth])
                    switch instructions[pc] {
                    case .match:
                        return true
                    case .jump(let target):
                        if marks[target] != generation {
                            marks[target] = generation
                            stack[depth] = Int32(target)
                            depth += 1
                        }
                    case .split(let first, let second):
                        if marks[second] != generation {
                            marks[second] = generation
                            stack[depth] = Int32(second)
                            depth += 1
                        }
                        if marks[first] != generation {
                            marks[first] = generation
                            stack[depth] = Int32(first)
                            depth += 1
                        }
                    case .assertion(let assertion):
                        if Self.holds(assertion, previous: previous, current: current), marks[pc + 1] != generation {
                            marks[pc + 1] = generation
                            stack[depth] = Int32(pc + 1)
                            depth += 1
                        }
                    case .scalar, .set, .any, .anyExceptNewline:
                        list[listCount] = Int32(pc)
                        listCount += 1
                    }
                }
                return false
            }

            var scalars = input.unicodeScalars.makeIterator()
            var previous: UInt32? = nil
            var scalar = scalars.next()?.value
            var position = 0
            while true {
                if position == 0 || !anchoredAtStart {
                    if addThread(0, to: current, count: &currentCount, generation: generation,
                                 previous: previous, current: scalar) {
                        return true
                    }
                }
                guard let value = scalar else { return false }
                if currentCount == 0 && anchoredAtStart { return false }
                let following = scalars.next()?.value
                generation += 1
                nextCount = 0
                for slot in 0..<currentCount {
                    let pc = Int(current[slot])
                    let accepted: Bool
                    switch instructions[pc] {
                    case .scalar(let expected): accepted = value == expected
                    case .set(let index): accepted = sets[index].contains(value)
                    case .any: accepted = true
                    case .anyExceptNewline: accepted = value != 10
                    default: accepted = false
                    }
                    if accepted, addThread(pc + 1, to: next, count: &nextCount, generation: generation,
                                           previous: value, current: following) {
                        return true
                    }
                }
                swap(&current, &next)
                currentCount = nextCount
                previous = value
                scalar = following
                position += 1
            }
        }
    }

    private static func holds(_ assertion: RegexAssertion, previous: UInt32?, current: UInt32?) -> Bool {
        switch assertion {
        case .textStart: return previous == nil
        case .textEnd: return current == nil
        case .lineStart: return previous == nil || previous == 10
        case .lineEnd: return current == nil || current == 10
        case .wordBoundary: return isWord(previous) != isWord(current)
        case .notWordBoundary: return isWord(previous) == isWord(current)
        }
    }

    private static func isWord(_ scalar: UInt32?) -> Bool {
        guard let scalar else { return false }
        return ScalarSet.word.contains(scalar)
    }
}
