import EdgeJSON

/// Turns `[Flag]` and `[Segment]` into a `CompiledRuleset`, checking everything that could fail at
/// evaluation time — regexes, segment cycles and depth — so that evaluation itself cannot fail.
struct RulesetCompiler {
    private var values: [JSONValue] = [.null]
    private var valueIndices: [JSONValue: Int] = [.null: 0]
    private var segmentIndex: [String: Int] = [:]
    /// Conditions with the same pattern share one compiled program.
    private var regexCache: [String: LinearRegex] = [:]

    static func compile(flags: [Flag], segments: [Segment]) throws(RulesetError) -> CompiledRuleset {
        var compiler = RulesetCompiler()
        return try compiler.compile(flags: flags, segments: segments)
    }

    /// `base` with `upserting` compiled in (each replacing the flag of its key, if any) and the flags
    /// keyed in `removing` taken out, compiling nothing else; nil when the change could reach other
    /// flags — prerequisites or mutual exclusion in the ruleset or in a new flag, an environment no
    /// flag had — and only a whole compile is right. New values are appended to the value table (not
    /// looked up among the old ones); nil once that has doubled the table, so it cannot grow forever.
    static func patch(_ base: CompiledRuleset, upserting: [Flag], removing: Set<String>) throws(RulesetError)
        -> CompiledRuleset?
    {
        guard base.isIndependent else { return nil }
        for flag in upserting {
            guard flag.prerequisites.isEmpty, flag.mutualExclusionGroup == nil,
                  flag.environments.keys.allSatisfy({ base.environmentSlots[$0] != nil }) else { return nil }
        }
        var compiler = RulesetCompiler()
        compiler.values = base.values
        compiler.valueIndices = [:]
        for (index, segment) in base.segments.enumerated() { compiler.segmentIndex[segment.key] = index }
        var environmentNames = [String](repeating: "", count: base.environmentSlots.count)
        for (name, slot) in base.environmentSlots { environmentNames[slot] = name }

        var replacements: [String: CompiledFlag] = [:]
        for flag in upserting {
            guard replacements[flag.key] == nil else { throw .duplicateFlagKey(flag.key) }
            replacements[flag.key] = try compiler.compile(
                flag, environmentSlots: environmentNames, prerequisites: .none, exclusionGroup: nil)
        }
        guard compiler.values.count <= 2 * base.baseValueCount + 1024 else { return nil }

        var flags = base.flags
        let flagIndex: [String: Int]
        if removing.isEmpty, replacements.keys.allSatisfy({ base.flagIndex[$0] != nil }) {
            // The same keys: each flag takes its predecessor's place; the index stays as it was.
            for (key, flag) in replacements { flags[base.flagIndex[key]!] = flag }
            flagIndex = base.flagIndex
        } else {
            flags.removeAll { removing.contains($0.key) || replacements[$0.key] != nil }
            flags.append(contentsOf: replacements.values)
            flags.sort { $0.key < $1.key }
            var index: [String: Int] = [:]
            index.reserveCapacity(flags.count)
            for (position, flag) in flags.enumerated() { index[flag.key] = position }
            flagIndex = index
        }
        return CompiledRuleset(
            flags: flags, flagIndex: flagIndex, segments: base.segments, environmentSlots: base.environmentSlots,
            exclusionGroups: [], values: compiler.values, baseValueCount: base.baseValueCount)
    }

    private mutating func intern(_ value: JSONValue) -> Int {
        if let index = valueIndices[value] { return index }
        values.append(value)
        valueIndices[value] = values.count - 1
        return values.count - 1
    }

    private mutating func compile(flags: [Flag], segments: [Segment]) throws(RulesetError) -> CompiledRuleset {
        for (index, segment) in segments.enumerated() {
            guard segmentIndex.updateValue(index, forKey: segment.key) == nil else {
                throw .duplicateSegmentKey(segment.key)
            }
        }
        var compiledSegments: [CompiledSegment] = []
        for segment in segments {
            let owner = "segment \"\(segment.key)\""
            var conditions: [CompiledCondition] = []
            var referenced: [Int] = []
            for condition in segment.conditions {
                let compiled = try compile(condition, owner: owner)
                if case .segments(let references, _) = compiled.subject {
                    referenced.append(contentsOf: references.compactMap(\.index))
                }
                conditions.append(compiled)
            }
            compiledSegments.append(CompiledSegment(
                key: segment.key, matchType: segment.matchType, conditions: conditions, referencedSegments: referenced))
        }
        try Self.checkNesting(compiledSegments)

        // Translators read flags in key order from the store: sort only when they are not.
        let sortedFlags = zip(flags, flags.dropFirst()).allSatisfy({ $0.key < $1.key }) ? flags : flags.sorted { $0.key < $1.key }
        var flagIndex: [String: Int] = [:]
        for (index, flag) in sortedFlags.enumerated() {
            guard flagIndex.updateValue(index, forKey: flag.key) == nil else { throw .duplicateFlagKey(flag.key) }
        }
        let environmentNames = Set(sortedFlags.flatMap(\.environments.keys)).sorted()
        var environmentSlots: [String: Int] = [:]
        for (slot, name) in environmentNames.enumerated() { environmentSlots[name] = slot }
        var groupIndex: [String: Int] = [:]
        var exclusionGroups: [[Int]] = []
        for (index, flag) in sortedFlags.enumerated() {
            guard let group = flag.mutualExclusionGroup else { continue }
            if let existing = groupIndex[group] {
                exclusionGroups[existing].append(index)
            } else {
                groupIndex[group] = exclusionGroups.count
                exclusionGroups.append([index])
            }
        }

        let prerequisites = Self.resolvePrerequisites(sortedFlags, flagIndex: flagIndex)
        var compiledFlags: [CompiledFlag] = []
        compiledFlags.reserveCapacity(sortedFlags.count)
        for (index, flag) in sortedFlags.enumerated() {
            compiledFlags.append(try compile(
                flag, environmentSlots: environmentNames, prerequisites: prerequisites[index],
                exclusionGroup: flag.mutualExclusionGroup.flatMap { groupIndex[$0] }))
        }
        return CompiledRuleset(
            flags: compiledFlags, flagIndex: flagIndex, segments: compiledSegments,
            environmentSlots: environmentSlots, exclusionGroups: exclusionGroups, values: values)
    }

    private mutating func compile(
        _ flag: Flag, environmentSlots: [String], prerequisites: CompiledFlag.Prerequisites, exclusionGroup: Int?
    ) throws(RulesetError) -> CompiledFlag {
        let owner = "flag \"\(flag.key)\""
        let defaultValueIndex = intern(flag.defaultValue)
        let base = try compile(flag.base, over: nil, baseRules: nil, flag: flag, owner: owner, defaultValueIndex: defaultValueIndex)
        var entries: [CompiledFlag.Settings] = []
        var settingsBySlot: [Int32] = []
        if !flag.environments.isEmpty {
            settingsBySlot = Array(repeating: 0, count: environmentSlots.count)
            for (slot, name) in environmentSlots.enumerated() {
                guard let entry = flag.environments[name] else { continue }
                entries.append(try compile(
                    entry, over: flag.base, baseRules: base.rules, flag: flag, owner: "\(owner) in \"\(name)\"",
                    defaultValueIndex: defaultValueIndex))
                settingsBySlot[slot] = Int32(entries.count)
            }
        }
        return CompiledFlag(
            key: flag.key, type: flag.type, declaresType: flag.declaresType, defaultValueIndex: defaultValueIndex,
            offValueIndex: intern(flag.offValue), activeFrom: flag.activeFrom, activeUntil: flag.activeUntil,
            expiresAt: flag.expiresAt, base: base, entries: entries, settingsBySlot: settingsBySlot,
            prerequisites: prerequisites, exclusionGroup: exclusionGroup)
    }

    /// Merges an environment entry over the base (`entry.field ?? base.field`); `base == nil` compiles
    /// the base itself. An entry without its own targeting shares the base's compiled rules.
    private mutating func compile(
        _ entry: EnvironmentSettings, over base: EnvironmentSettings?, baseRules: [CompiledRule]?, flag: Flag,
        owner: String, defaultValueIndex: Int
    ) throws(RulesetError) -> CompiledFlag.Settings {
        let fixedValueIndex: Int?
        let fixedValueReason: Reason
        if let value = entry.value {
            fixedValueIndex = intern(value)
            fixedValueReason = base == nil ? .override : .environmentOverride
        } else if let value = base?.value {
            fixedValueIndex = intern(value)
            fixedValueReason = .override
        } else {
            fixedValueIndex = nil
            fixedValueReason = .override
        }
        let targeting = entry.targeting ?? base?.targeting ?? Targeting()
        let fallthroughValueIndex = (entry.defaultValue ?? base?.defaultValue).map { intern($0) } ?? defaultValueIndex

        let rules: [CompiledRule]
        if entry.targeting == nil, let baseRules {
            rules = baseRules
        } else {
            rules = try compileRules(targeting.rules, owner: owner)
        }
        let rollout = targeting.rollout.map { rollout in
            CompiledFlag.CompiledRollout(
                basisPoints: rollout.basisPoints, bucketBy: Self.lookup(rollout.attribute),
                servedValueIndex: rollout.servedValue.map { intern($0) } ?? fallthroughValueIndex)
        }
        var variants: [CompiledFlag.CompiledVariant] = []
        if flag.type == .ab {
            var upperBound = 0
            for variant in entry.variants ?? base?.variants ?? [] {
                upperBound += max(0, variant.weight)
                variants.append(CompiledFlag.CompiledVariant(
                    key: variant.key, upperBound: upperBound, valueIndex: intern(variant.value)))
            }
        }
        return CompiledFlag.Settings(
            enabled: entry.enabled ?? base?.enabled ?? false,
            scheduledEnableAt: entry.scheduledEnableAt ?? base?.scheduledEnableAt,
            scheduledDisableAt: entry.scheduledDisableAt ?? base?.scheduledDisableAt,
            fixedValueIndex: fixedValueIndex, fixedValueReason: fixedValueReason,
            rules: rules, rollout: rollout, fallthroughValueIndex: fallthroughValueIndex, variants: variants)
    }

    /// Rules in ascending priority, ties in list order (a stable sort).
    private mutating func compileRules(_ rules: [Rule], owner: String) throws(RulesetError) -> [CompiledRule] {
        let sorted = rules.enumerated().sorted {
            ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset)
        }
        var compiled: [CompiledRule] = []
        for (_, rule) in sorted {
            var conditions: [CompiledCondition] = []
            for condition in rule.conditions {
                conditions.append(try compile(condition, owner: owner))
            }
            compiled.append(CompiledRule(
                conditions: conditions, matchType: rule.matchType,
                segments: rule.segmentKeys.map { SegmentReference(key: $0, index: segmentIndex[$0]) },
                percentage: rule.percentage, bucketBy: Self.lookup(rule.bucketBy),
                valueIndex: intern(rule.value)))
        }
        return compiled
    }

    private mutating func compile(_ condition: Condition, owner: String) throws(RulesetError) -> CompiledCondition {
        var regexes: [LinearRegex] = []
        if condition.operator == .regex {
            for value in condition.values {
                guard case .string(let pattern) = value else {
                    throw .invalidCondition(owner: owner, message: "regex values must be strings")
                }
                if let cached = regexCache[pattern] {
                    regexes.append(cached)
                    continue
                }
                do {
                    let regex = try LinearRegex(pattern)
                    regexCache[pattern] = regex
                    regexes.append(regex)
                } catch {
                    throw .invalidRegex(owner: owner, error)
                }
            }
        }
        return try CompiledCondition(condition, owner: owner, segmentIndex: segmentIndex, regexes: regexes)
    }

    /// Bucketing reads the same places conditions do; `.segment` is no context value, so a rollout
    /// or rule percentage bucketed by it reads nothing and serves no one.
    private static func lookup(_ attribute: Attribute) -> CompiledCondition.Lookup {
        CompiledCondition.Lookup(attribute) ?? .custom("")
    }

    // MARK: - Graph checks

    /// Refuses segment cycles and chains longer than `Ruleset.maxSegmentDepth`. Depth-first with
    /// memoised heights; recursion never goes deeper than the limit.
    private static func checkNesting(_ segments: [CompiledSegment]) throws(RulesetError) {
        var heights = [Int?](repeating: nil, count: segments.count)
        var path: [Int] = []

        func height(_ index: Int) throws(RulesetError) -> Int {
            if let known = heights[index] { return known }
            if let start = path.firstIndex(of: index) {
                throw .segmentCycle((path[start...] + [index]).map { segments[$0].key })
            }
            path.append(index)
            if path.count > Ruleset.maxSegmentDepth {
                throw .segmentNestingTooDeep(path.map { segments[$0].key })
            }
            var tallest = 0
            for child in segments[index].referencedSegments {
                tallest = max(tallest, try height(child))
            }
            path.removeLast()
            let result = tallest + 1
            if result + path.count > Ruleset.maxSegmentDepth {
                throw .segmentNestingTooDeep((path + [index]).map { segments[$0].key })
            }
            heights[index] = result
            return result
        }

        for index in segments.indices { _ = try height(index) }
    }

    /// Resolves prerequisite keys to indices and marks `.failing` every flag with an unknown
    /// prerequisite, on a cycle, or with a chain deeper than `Ruleset.maxPrerequisiteDepth`. Every cycle
    /// contains a depth-first back edge, and its target is marked, so evaluation — which stops at a
    /// failing flag — never loops. Flags that merely depend on a failing flag fail at evaluation through
    /// it. Iterative, so a long chain cannot exhaust the stack.
    private static func resolvePrerequisites(_ flags: [Flag], flagIndex: [String: Int]) -> [CompiledFlag.Prerequisites] {
        var edges: [[Int]] = []
        var failing: [Bool] = []
        for flag in flags {
            let indices = flag.prerequisites.compactMap { flagIndex[$0] }
            edges.append(indices)
            failing.append(indices.count != flag.prerequisites.count)
        }
        enum Color { case white, gray, black }
        var color = [Color](repeating: .white, count: flags.count)
        var depth = [Int](repeating: 1, count: flags.count)
        var stackPosition = [Int](repeating: -1, count: flags.count)

        for root in flags.indices where color[root] == .white {
            var stack: [(node: Int, next: Int)] = [(root, 0)]
            color[root] = .gray
            stackPosition[root] = 0
            while let (node, next) = stack.last {
                if next < edges[node].count {
                    stack[stack.count - 1].next += 1
                    let child = edges[node][next]
                    switch color[child] {
                    case .white:
                        color[child] = .gray
                        stackPosition[child] = stack.count
                        stack.append((child, 0))
                    case .gray:
                        for entry in stack[stackPosition[child]...] { failing[entry.node] = true }
                    case .black:
                        break
                    }
                } else {
                    stack.removeLast()
                    color[node] = .black
                    if !failing[node] {
                        let deepest = edges[node].map { failing[$0] ? 1 : depth[$0] }.max() ?? 0
                        depth[node] = deepest + 1
                        if depth[node] > Ruleset.maxPrerequisiteDepth { failing[node] = true }
                    }
                }
            }
        }
        return flags.indices.map { index in
            if failing[index] { return .failing }
            return edges[index].isEmpty ? .none : .flags(edges[index])
        }
    }
}
