import EdgeJSON

/// The one evaluation pipeline both dialects run. Each step is skipped when its data is absent, which
/// is how one order serves both specs:
///
/// 1. unknown flag → `null`, `.notFound`
/// 2. master switch off → `offValue`, `.disabled`; switched off by a passed schedule, outside
///    `activeFrom`/`activeUntil` or past `expiresAt` → `offValue`, `.scheduledOff`
/// 3. mutual-exclusion group: a live flag with a lower bucket (ties → smaller key) → default, `.mutuallyExcluded`
/// 4. prerequisites: one off, failing, on a cycle, or serving `false` → default, `.prerequisiteFailed`
/// 5. fixed value → `.environmentOverride` / `.override` (EdgeFlags only)
/// 6. rules by priority: `.targeted`, or `.ruleRollout` inside the rule's percentage
/// 7. rollout: inside → served value, `.rollout`; outside → default, `.fallthrough`
/// 8. `.ab` variants over cumulative weights → `.variant`
/// 9. `state default ?? flag default`, `.fallthrough`
///
/// EdgeFlags has no groups, prerequisites, percentages on rules or variants, so its 7 steps are 1–2,
/// 5–7 and 9; FeatureSignals sets no fixed values, so its 8 steps are 1–4 and 6–9.
extension CompiledRuleset {
    func evaluate(_ index: Int, context: EvaluationContext, slot: Int, now: Double) -> Evaluation {
        let flag = flags[index]
        let settings = flag.settings(forSlot: slot)
        if let reason = flag.offReason(settings, now: now) {
            return result(flag, reason, flag.offValueIndex)
        }
        if flag.exclusionGroup >= 0, !winsExclusion(index, group: Int(flag.exclusionGroup), context: context, slot: slot, now: now) {
            return result(flag, .mutuallyExcluded, flag.defaultValueIndex)
        }
        switch flag.prerequisites {
        case .none:
            break
        case .failing:
            return result(flag, .prerequisiteFailed, flag.defaultValueIndex)
        case .flags(let prerequisites):
            for prerequisite in prerequisites {
                let outcome = evaluate(prerequisite, context: context, slot: slot, now: now)
                switch outcome.reason {
                case .notFound, .disabled, .scheduledOff, .prerequisiteFailed:
                    return result(flag, .prerequisiteFailed, flag.defaultValueIndex)
                default:
                    if outcome.value == .bool(false) {
                        return result(flag, .prerequisiteFailed, flag.defaultValueIndex)
                    }
                }
            }
        }
        if settings.fixedValueIndex >= 0 {
            return result(flag, settings.fixedValueReason, settings.fixedValueIndex)
        }
        for ruleIndex in settings.rules.indices where matches(settings.rules[ruleIndex], context: context) {
            let rule = settings.rules[ruleIndex]
            let percentage = Int(rule.percentage)
            guard percentage < 10_000 else {
                return result(flag, .targeted, rule.valueIndex)
            }
            if percentage > 0, let text = context.bucketingText(at: rule.bucketBy), flag.bucket(of: text) < percentage {
                return result(flag, .ruleRollout, rule.valueIndex)
            }
        }
        if let rollout = settings.rollout {
            if let text = context.bucketingText(at: rollout.bucketBy), flag.bucket(of: text) < Int(rollout.basisPoints) {
                return result(flag, .rollout, rollout.servedValueIndex)
            }
            return result(flag, .fallthrough, flag.defaultValueIndex)
        }
        if !settings.variants.isEmpty, let key = context.targetingKey {
            let bucket = flag.bucket(of: key)
            for variant in settings.variants where bucket < variant.upperBound {
                return Evaluation(
                    flagKey: flag.key, value: values[variant.valueIndex], reason: .variant,
                    variantKey: variant.key, valueIndex: variant.valueIndex, declaredType: flag.declaredType)
            }
        }
        return result(flag, .fallthrough, settings.fallthroughValueIndex)
    }

    @inline(__always)
    private func result(_ flag: CompiledFlag, _ reason: Reason, _ valueIndex: Int32) -> Evaluation {
        let index = Int(valueIndex)
        return Evaluation(flagKey: flag.key, value: values[index], reason: reason, valueIndex: index,
                          declaredType: flag.declaredType)
    }

    /// Among the group's flags that are on, the lowest bucket wins; ties go to the smaller key because
    /// members are in key order and only a strictly lower bucket replaces the best. Without a
    /// targeting key every bucket ties, so the smallest live key wins.
    private func winsExclusion(_ index: Int, group: Int, context: EvaluationContext, slot: Int, now: Double) -> Bool {
        var winner = index
        var lowest = Int.max
        for member in exclusionGroups[group] {
            let flag = flags[member]
            guard flag.offReason(flag.settings(forSlot: slot), now: now) == nil else { continue }
            let bucket = context.targetingKey.map { flag.bucket(of: $0) } ?? 0
            if bucket < lowest {
                lowest = bucket
                winner = member
            }
        }
        return winner == index
    }

    @inline(__always)
    private func matches(_ rule: CompiledRule, context: EvaluationContext) -> Bool {
        if !rule.segments.isEmpty, !isMember(ofAny: rule.segments, context: context) {
            return false
        }
        return matches(rule.conditions, rule.matchType, context: context)
    }

    /// Index loops here and below read elements in place; `allSatisfy`/`contains(where:)` would copy
    /// each one (a reference count apiece) on the hottest path.
    @inline(__always)
    private func matches(_ conditions: [CompiledCondition], _ matchType: MatchType, context: EvaluationContext) -> Bool {
        switch matchType {
        case .all:
            for index in conditions.indices where !matches(conditions[index], context: context) { return false }
            return true
        case .any:
            for index in conditions.indices where matches(conditions[index], context: context) { return true }
            return false
        }
    }

    @inline(__always)
    private func isMember(ofAny references: [SegmentReference], context: EvaluationContext) -> Bool {
        for index in references.indices where isMember(references[index], context: context) { return true }
        return false
    }

    @inline(__always)
    private func matches(_ condition: CompiledCondition, context: EvaluationContext) -> Bool {
        switch condition.subject {
        case .segments(let references, let negated):
            return isMember(ofAny: references, context: context) != negated
        case .attribute(let lookup):
            guard let value = context.value(at: lookup), !value.isNull else {
                if condition.operator == .exists { return !condition.expectsPresence }
                switch condition.missingAttribute {
                case .negationsMatch: return condition.operator.isNegation
                case .nothingMatches: return false
                }
            }
            return condition.test(value)
        }
    }

    /// Explicit membership first (cheap, and the only way into a segment that does not exist);
    /// then the segment's own conditions, which never match when there are none.
    @inline(__always)
    private func isMember(_ reference: SegmentReference, context: EvaluationContext) -> Bool {
        for index in context.segments.indices where UTF8Text.equal(context.segments[index], reference.key) {
            return true
        }
        guard let index = reference.index else { return false }
        let segment = segments[index]
        return !segment.conditions.isEmpty && matches(segment.conditions, segment.matchType, context: context)
    }
}
