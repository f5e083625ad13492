import EdgeJSON

/// Flags and segments compiled for evaluation: built once per change of the FLAGS namespace, cached,
/// and shared by every request (copying it costs one reference count).
///
/// Compiling validates everything that could fail later — regexes, segment cycles and nesting — so the
/// dialects compile the would-be ruleset before accepting a write and answer 400 with the error's
/// message. Evaluation is pure: the caller passes the clock (`now`, Unix seconds), and the pipeline
/// (see `CompiledRuleset+Evaluation.swift`) reads the context in place without building dictionaries.
public struct Ruleset: Sendable {
    /// The longest chain of segments nested through `segment in […]` conditions.
    public static let maxSegmentDepth = 8
    /// The longest prerequisite chain; a flag with a longer one fails with `.prerequisiteFailed`.
    public static let maxPrerequisiteDepth = 16

    private let compiled: CompiledRuleset

    /// Throws for an invalid regex, an unusable condition, a segment cycle or over-deep nesting, and
    /// duplicate keys. Prerequisite cycles do not throw: the flags on them fail at evaluation.
    public init(flags: [Flag], segments: [Segment] = []) throws(RulesetError) {
        compiled = try RulesetCompiler.compile(flags: flags, segments: segments)
    }

    private init(compiled: CompiledRuleset) {
        self.compiled = compiled
    }

    /// This ruleset with `upserting` compiled in (each replacing the flag of its key) and the flags
    /// keyed in `removing` taken out, compiling no other flag: a change of a few flags among 100,000
    /// costs milliseconds, not seconds. nil when the change could reach other flags (prerequisites or
    /// mutual exclusion, an environment no flag had): then compile the whole ruleset. Segments stay
    /// as they are. Throws as `init` does for the flags it compiles.
    public func updating(_ upserting: [Flag], removing: Set<String> = []) throws(RulesetError) -> Ruleset? {
        try RulesetCompiler.patch(compiled, upserting: upserting, removing: removing).map { Ruleset(compiled: $0) }
    }

    /// An empty ruleset: every flag is `.notFound`.
    public init() {
        compiled = CompiledRuleset(
            flags: [], flagIndex: [:], segments: [], environmentSlots: [:], exclusionGroups: [], values: [.null])
    }

    /// Flag keys in ascending order — the order of `evaluateAll`.
    public var flagKeys: [String] { compiled.flags.map(\.key) }

    public var flagCount: Int { compiled.flags.count }

    /// Every value the ruleset can serve, indexed by `Evaluation.valueIndex`; encode them once per
    /// ruleset to write responses without re-encoding values.
    public var servedValues: [JSONValue] { compiled.values }

    /// The first instant after `now` at which a schedule switches some flag, or nil when none will:
    /// until then, every evaluation is a function of its context alone, so an answer computed at
    /// `now` may be served again up to (not including) that instant.
    public func nextScheduleChange(after now: Double) -> Double? {
        let boundaries = compiled.scheduleBoundaries
        var low = 0, high = boundaries.count
        while low < high {
            let middle = (low + high) / 2
            if boundaries[middle] <= now { low = middle + 1 } else { high = middle }
        }
        return low < boundaries.count ? boundaries[low] : nil
    }

    public func containsFlag(_ key: String) -> Bool {
        compiled.flagIndex[key] != nil
    }

    /// The declared value type, or nil for an unknown flag.
    public func type(ofFlag key: String) -> Flag.ValueType? {
        compiled.flagIndex[key].map { compiled.flags[$0].type }
    }

    /// Whether the flag, as set for `environment`, places users by their targeting key (a rollout or
    /// a rule percentage bucketed by it, or variants): a context without one cannot be placed, and a
    /// dialect may say so instead of serving the default (OFREP's `TARGETING_KEY_MISSING`).
    public func splitsByTargetingKey(flagKey: String, environment: String?) -> Bool {
        guard let index = compiled.flagIndex[flagKey] else { return false }
        let settings = compiled.flags[index].settings(forSlot: compiled.slot(for: environment))
        if !settings.variants.isEmpty { return true }
        if case .targetingKey? = settings.rollout?.bucketBy { return true }
        return settings.rules.contains { rule in
            guard rule.percentage > 0, rule.percentage < 10_000, case .targetingKey = rule.bucketBy else { return false }
            return true
        }
    }

    /// Evaluates one flag; an unknown key gives `null` with `.notFound`.
    public func evaluate(flagKey: String, context: EvaluationContext, now: Double) -> Evaluation {
        guard let index = compiled.flagIndex[flagKey] else {
            return Evaluation(flagKey: flagKey, value: .null, reason: .notFound, valueIndex: 0)
        }
        return compiled.evaluate(index, context: context, slot: compiled.slot(for: context.environment), now: now)
    }

    /// Evaluates every flag, in key order.
    public func evaluateAll(context: EvaluationContext, now: Double) -> [Evaluation] {
        var results: [Evaluation] = []
        results.reserveCapacity(compiled.flags.count)
        forEachEvaluation(context: context, now: now) { results.append($0) }
        return results
    }

    /// Evaluates every flag in key order and hands each result to `body`, building no collection: the
    /// bulk endpoints write each result straight into the response.
    public func forEachEvaluation(
        context: EvaluationContext, now: Double, _ body: (Evaluation) throws -> Void
    ) rethrows {
        let slot = compiled.slot(for: context.environment)
        for index in compiled.flags.indices {
            try body(compiled.evaluate(index, context: context, slot: slot, now: now))
        }
    }
}
