import EdgeJSON

/// The immutable storage behind `Ruleset`: a class so that copying a ruleset into caches and tasks
/// costs one reference count, not one per array.
final class CompiledRuleset: Sendable {
    /// Sorted by key: `evaluateAll` walks them in order.
    let flags: [CompiledFlag]
    let flagIndex: [String: Int]
    let segments: [CompiledSegment]
    /// Environment name → slot in `CompiledFlag.settingsBySlot`.
    let environmentSlots: [String: Int]
    /// Member flag indices per group, in key order.
    let exclusionGroups: [[Int]]
    /// Every value the ruleset can serve, interned; index 0 is `null` (not found).
    let values: [JSONValue]
    /// Every instant at which some flag's schedule switches it (active from/until, expiry, scheduled
    /// enable/disable), ascending: between two of them, evaluation depends on nothing but the context.
    let scheduleBoundaries: [Double]
    /// No flag depends on another (no prerequisites, no mutual exclusion): a flag can be compiled
    /// again on its own (`RulesetCompiler.patch`).
    let isIndependent: Bool
    /// The size of the value table at the last whole compile (patches append to it).
    let baseValueCount: Int

    init(
        flags: [CompiledFlag],
        flagIndex: [String: Int],
        segments: [CompiledSegment],
        environmentSlots: [String: Int],
        exclusionGroups: [[Int]],
        values: [JSONValue],
        baseValueCount: Int? = nil
    ) {
        self.flags = flags
        self.flagIndex = flagIndex
        self.segments = segments
        self.environmentSlots = environmentSlots
        self.exclusionGroups = exclusionGroups
        self.values = values
        self.baseValueCount = baseValueCount ?? values.count
        var boundaries: [Double] = []
        var independent = exclusionGroups.isEmpty
        for flag in flags {
            boundaries += flag.scheduleInstants
            if case .none = flag.prerequisites {} else { independent = false }
        }
        scheduleBoundaries = Array(Set(boundaries)).sorted()
        isIndependent = independent
    }

    /// The slot for an environment; one past the last slot (every flag's base) when unknown.
    @inline(__always)
    func slot(for environment: String?) -> Int {
        guard let environment, let slot = environmentSlots[environment] else { return Int.max }
        return slot
    }
}
