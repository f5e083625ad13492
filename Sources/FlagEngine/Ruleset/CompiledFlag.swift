/// A `Flag` ready to run: environment entries merged with the base field by field, rules sorted,
/// values interned in the ruleset's value table, prerequisites resolved to indices. A class for the
/// reason given on `CompiledSegment`.
final class CompiledFlag: Sendable {
    /// The settings in force for one environment, after `entry.field ?? base.field`.
    ///
    /// Projects hold one of these per flag and environment entry, so the layout is kept small:
    /// value indices are 32-bit, absent instants are `+infinity` and an absent fixed value is -1.
    final class Settings: Sendable {
        let enabled: Bool
        let fixedValueReason: Reason
        /// `state default ?? flag default`.
        let fallthroughValueIndex: Int32
        /// A fixed value (-1: none) and its reason (`.environmentOverride` or `.override`).
        let fixedValueIndex: Int32
        /// `+infinity` when not scheduled.
        let scheduledEnableAt: Double
        let scheduledDisableAt: Double
        let rules: [CompiledRule]
        let rollout: CompiledRollout?
        /// Only for `.ab` flags; `upperBound` is the cumulative weight in basis points.
        let variants: [CompiledVariant]

        init(
            enabled: Bool, scheduledEnableAt: Double?, scheduledDisableAt: Double?, fixedValueIndex: Int?,
            fixedValueReason: Reason, rules: [CompiledRule], rollout: CompiledRollout?, fallthroughValueIndex: Int,
            variants: [CompiledVariant]
        ) {
            self.enabled = enabled
            self.scheduledEnableAt = scheduledEnableAt ?? .infinity
            self.scheduledDisableAt = scheduledDisableAt ?? .infinity
            self.fixedValueIndex = fixedValueIndex.map { Int32($0) } ?? -1
            self.fixedValueReason = fixedValueReason
            self.rules = rules
            self.rollout = rollout
            self.fallthroughValueIndex = Int32(fallthroughValueIndex)
            self.variants = variants
        }

        /// The instants at which these settings switch the flag.
        var scheduleInstants: [Double] { [scheduledEnableAt, scheduledDisableAt].filter(\.isFinite) }
    }

    struct CompiledRollout: Sendable {
        let basisPoints: Int32
        let servedValueIndex: Int32
        let bucketBy: CompiledCondition.Lookup

        init(basisPoints: Int, bucketBy: CompiledCondition.Lookup, servedValueIndex: Int) {
            self.basisPoints = Int32(clamping: basisPoints)
            self.servedValueIndex = Int32(servedValueIndex)
            self.bucketBy = bucketBy
        }
    }

    struct CompiledVariant: Sendable {
        let key: String
        let upperBound: Int
        let valueIndex: Int
    }

    enum Prerequisites: Sendable {
        case none
        /// Indices of the prerequisite flags.
        case flags([Int])
        /// An unknown prerequisite key, a cycle, or a chain deeper than `Ruleset.maxPrerequisiteDepth`.
        case failing
    }

    let key: String
    let type: Flag.ValueType
    /// Whether the flag's record named its type (dialects describe an undeclared one by its value).
    let declaresType: Bool
    /// -1: in no mutual-exclusion group.
    let exclusionGroup: Int32
    let defaultValueIndex: Int32
    let offValueIndex: Int32
    /// Murmur state after `key + "."`: bucketing only streams the user's bytes.
    let bucketPrefix: MurmurHasher
    /// The flag is live in `[liveFrom, liveUntil)`: `activeFrom` (or -infinity) and the earlier of
    /// `activeUntil` and `expiresAt` (or +infinity).
    let liveFrom: Double
    let liveUntil: Double
    /// The settings of a context in no environment entry.
    let base: Settings
    /// The environment entries' settings; empty when the flag has none.
    let entries: [Settings]
    /// Per environment slot: 0 for `base`, `n` for `entries[n - 1]`. Empty when there are no entries.
    let settingsBySlot: [Int32]
    let prerequisites: Prerequisites

    init(
        key: String, type: Flag.ValueType, declaresType: Bool, defaultValueIndex: Int, offValueIndex: Int,
        activeFrom: Double?, activeUntil: Double?, expiresAt: Double?, base: Settings, entries: [Settings],
        settingsBySlot: [Int32], prerequisites: Prerequisites, exclusionGroup: Int?
    ) {
        self.key = key
        self.type = type
        self.declaresType = declaresType
        var prefix = MurmurHasher()
        prefix.combine(key)
        prefix.combine(byte: UInt8(ascii: "."))
        self.bucketPrefix = prefix
        self.defaultValueIndex = Int32(defaultValueIndex)
        self.offValueIndex = Int32(offValueIndex)
        self.liveFrom = activeFrom ?? -.infinity
        self.liveUntil = min(activeUntil ?? .infinity, expiresAt ?? .infinity)
        self.base = base
        self.entries = entries
        self.settingsBySlot = settingsBySlot
        self.prerequisites = prerequisites
        self.exclusionGroup = exclusionGroup.map { Int32($0) } ?? -1
    }

    /// `type` when the record named it.
    var declaredType: Flag.ValueType? { declaresType ? type : nil }

    @inline(__always)
    func settings(forSlot slot: Int) -> Settings {
        guard slot < settingsBySlot.count else { return base }
        let index = Int(settingsBySlot[slot])
        return index == 0 ? base : entries[index - 1]
    }

    /// The instants at which the flag's schedule switches it.
    var scheduleInstants: [Double] {
        [liveFrom, liveUntil].filter(\.isFinite) + ([base] + entries).flatMap(\.scheduleInstants)
    }

    @inline(__always)
    func bucket(of value: String) -> Int {
        var hasher = bucketPrefix
        hasher.combine(value)
        return Int(hasher.finalize() % Bucketing.bucketCount)
    }

    /// nil when the flag is on at `now`; otherwise why it is off. The latest passed schedule wins over
    /// the switch; a disable and an enable at the same instant leave it off.
    func offReason(_ settings: Settings, now: Double) -> Reason? {
        var enabled = settings.enabled
        var bySchedule = false
        let enableAt = settings.scheduledEnableAt <= now ? settings.scheduledEnableAt : -.infinity
        if settings.scheduledDisableAt <= now, settings.scheduledDisableAt >= enableAt {
            enabled = false
            bySchedule = true
        } else if enableAt > -.infinity {
            enabled = true
        }
        if !enabled { return bySchedule ? .scheduledOff : .disabled }
        if now < liveFrom || now >= liveUntil { return .scheduledOff }
        return nil
    }
}
