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

    init(
        flags: [CompiledFlag],
        flagIndex: [String: Int],
        segments: [CompiledSegment],
        environmentSlots: [String: Int],
        exclusionGroups: [[Int]],
        values: [JSONValue]
    ) {
        self.flags = flags
        self.flagIndex = flagIndex
        self.segments = segments
        self.environmentSlots = environmentSlots
        self.exclusionGroups = exclusionGroups
        self.values = values
        var boundaries: [Double] = []
        for flag in flags {
            boundaries += [flag.activeFrom, flag.activeUntil, flag.expiresAt].compactMap { $0 }
            for settings in flag.settings {
                boundaries += [settings.scheduledEnableAt, settings.scheduledDisableAt].compactMap { $0 }
            }
        }
        scheduleBoundaries = Array(Set(boundaries)).sorted()
    }

    /// The slot for an environment; one past the last slot (every flag's base) when unknown.
    @inline(__always)
    func slot(for environment: String?) -> Int {
        guard let environment, let slot = environmentSlots[environment] else { return Int.max }
        return slot
    }
}
