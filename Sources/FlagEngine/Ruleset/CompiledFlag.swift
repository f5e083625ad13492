/// A `Flag` ready to run: environment entries merged with the base field by field, rules sorted,
/// values interned in the ruleset's value table, prerequisites resolved to indices. A class for the
/// reason given on `CompiledSegment`.
final class CompiledFlag: Sendable {
    /// The settings in force for one environment, after `entry.field ?? base.field`.
    final class Settings: Sendable {
        let enabled: Bool
        let scheduledEnableAt: Double?
        let scheduledDisableAt: Double?
        /// A fixed value and its reason (`.environmentOverride` or `.override`).
        let fixedValueIndex: Int?
        let fixedValueReason: Reason
        let rules: [CompiledRule]
        let rollout: CompiledRollout?
        /// `state default ?? flag default`.
        let fallthroughValueIndex: Int
        /// Only for `.ab` flags; `upperBound` is the cumulative weight in basis points.
        let variants: [CompiledVariant]

        init(
            enabled: Bool, scheduledEnableAt: Double?, scheduledDisableAt: Double?, fixedValueIndex: Int?,
            fixedValueReason: Reason, rules: [CompiledRule], rollout: CompiledRollout?, fallthroughValueIndex: Int,
            variants: [CompiledVariant]
        ) {
            self.enabled = enabled
            self.scheduledEnableAt = scheduledEnableAt
            self.scheduledDisableAt = scheduledDisableAt
            self.fixedValueIndex = fixedValueIndex
            self.fixedValueReason = fixedValueReason
            self.rules = rules
            self.rollout = rollout
            self.fallthroughValueIndex = fallthroughValueIndex
            self.variants = variants
        }
    }

    struct CompiledRollout: Sendable {
        let basisPoints: Int
        let bucketBy: CompiledCondition.Lookup
        let servedValueIndex: Int
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
    /// Murmur state after `key + "."`: bucketing only streams the user's bytes.
    let bucketPrefix: MurmurHasher
    let defaultValueIndex: Int
    let offValueIndex: Int
    let activeFrom: Double?
    let activeUntil: Double?
    let expiresAt: Double?
    /// `settings[0]` is the base alone; `settingsBySlot[slot]` picks the entry for an environment slot.
    let settings: [Settings]
    /// Empty when the flag has no environment entries (every slot uses `settings[0]`).
    let settingsBySlot: [Int]
    let prerequisites: Prerequisites
    let exclusionGroup: Int?

    init(
        key: String, type: Flag.ValueType, defaultValueIndex: Int, offValueIndex: Int, activeFrom: Double?,
        activeUntil: Double?, expiresAt: Double?, settings: [Settings], settingsBySlot: [Int],
        prerequisites: Prerequisites, exclusionGroup: Int?
    ) {
        self.key = key
        self.type = type
        var prefix = MurmurHasher()
        prefix.combine(key)
        prefix.combine(byte: UInt8(ascii: "."))
        self.bucketPrefix = prefix
        self.defaultValueIndex = defaultValueIndex
        self.offValueIndex = offValueIndex
        self.activeFrom = activeFrom
        self.activeUntil = activeUntil
        self.expiresAt = expiresAt
        self.settings = settings
        self.settingsBySlot = settingsBySlot
        self.prerequisites = prerequisites
        self.exclusionGroup = exclusionGroup
    }

    @inline(__always)
    func settings(forSlot slot: Int) -> Settings {
        slot < settingsBySlot.count ? settings[settingsBySlot[slot]] : settings[0]
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
        let enableAt = settings.scheduledEnableAt.flatMap { $0 <= now ? $0 : nil }
        if let disableAt = settings.scheduledDisableAt, disableAt <= now, disableAt >= (enableAt ?? -.infinity) {
            enabled = false
            bySchedule = true
        } else if enableAt != nil {
            enabled = true
        }
        if !enabled { return bySchedule ? .scheduledOff : .disabled }
        if let activeFrom, now < activeFrom { return .scheduledOff }
        if let activeUntil, now >= activeUntil { return .scheduledOff }
        if let expiresAt, now >= expiresAt { return .scheduledOff }
        return nil
    }
}
