import EdgeJSON
import FlagEngine

/// FeatureSignals records and contexts → the engine's model, and the validation of what a client
/// writes (a record that does not translate is a 400 saying what is wrong).
///
/// A FeatureSignals flag has no base settings: each environment's state is one entry of
/// `Flag.environments`, keyed by the environment's slug, so an environment without a state is
/// disabled, and an EdgeFlags context naming that slug evaluates the same state.
enum FeatureSignalsModel {
    static let operators: Set<String> = ["eq", "neq", "contains", "startsWith", "endsWith", "in", "notIn", "gt", "gte",
                                         "lt", "lte", "regex", "exists"]
    static let flagTypes: Set<String> = ["boolean", "string", "number", "json", "ab"]

    /// FeatureSignals flags are the records that carry `flag_type` (one that does not read as a
    /// `FeatureSignalsFlagRecord` is still not an EdgeFlags flag).
    static func isFlag(_ record: [String: JSONValue]) -> Bool { record["flag_type"] != nil }
    /// FeatureSignals segments carry `match_type` and `rules`; EdgeFlags ones `conditions`.
    static func isSegment(_ record: [String: JSONValue]) -> Bool { record["match_type"] != nil }

    /// `states` are keyed by environment slug.
    static func flag(_ record: FeatureSignalsFlagRecord, states: [String: FlagStateRecord]) throws(APIError) -> Flag {
        let type = Flag.ValueType(rawValue: record.flagType) ?? .boolean
        let fallback = nonNull(record.defaultValue) ?? defaultValue(for: type)
        var environments: [String: EnvironmentSettings] = [:]
        for (slug, state) in states { environments[slug] = try settings(state) }
        return Flag(key: record.key, type: type, defaultValue: fallback, offValue: fallback, base: EnvironmentSettings(),
                    environments: environments, expiresAt: try time(record.expiresAt.map(JSONValue.string), "expires_at"),
                    prerequisites: record.prerequisites ?? [], mutualExclusionGroup: record.mutualExclusionGroup)
    }

    /// A stored segment of either dialect, for the engine; nil when it does not translate.
    static func anySegment(_ record: [String: JSONValue]) -> Segment? {
        guard isSegment(record) else { return EdgeFlagsSegmentRecord(json: record).flatMap { try? EdgeFlagsModel.segment($0) } }
        return FeatureSignalsSegmentRecord(json: record).flatMap { try? segment($0) }
    }

    static func defaultValue(for type: Flag.ValueType) -> JSONValue {
        switch type {
        case .boolean: return false
        case .string, .ab: return ""
        case .number: return 0
        case .json: return .object([:])
        }
    }

    /// The one translation of a stored state (and the validation of one about to be stored).
    static func settings(_ state: FlagStateRecord) throws(APIError) -> EnvironmentSettings {
        var enabled = false
        if let value = nonNull(state.enabled) {
            guard case .bool(let flag) = value else { throw .fsInvalidBody }
            enabled = flag
        }
        let rollout = try basisPoints(state.percentageRollout, "percentage_rollout") ?? 0
        return EnvironmentSettings(
            enabled: enabled,
            targeting: Targeting(rules: try rules(state.rules),
                                 rollout: rollout > 0 ? Rollout(basisPoints: rollout, attribute: .targetingKey) : nil),
            defaultValue: nonNull(state.defaultValue), variants: try variants(state.variants),
            scheduledEnableAt: try time(state.scheduledEnableAt, "scheduled_enable_at"),
            scheduledDisableAt: try time(state.scheduledDisableAt, "scheduled_disable_at"))
    }

    static func rules(_ value: JSONValue?) throws(APIError) -> [Rule] {
        guard let value = nonNull(value) else { return [] }
        guard case .array(let list) = value else { throw .fsInvalidBody }
        var out: [Rule] = []
        for entry in list {
            guard case .object(let rule) = entry else { throw .fsInvalidBody }
            var priority = 0
            if let number = nonNull(rule["priority"]) {
                guard case .number(let n) = number, n == n.rounded(), abs(n) < 1e9 else { throw .fsInvalidBody }
                priority = Int(n)
            }
            var segmentKeys: [String] = []
            if let keys = nonNull(rule["segment_keys"]) {
                guard case .array(let items) = keys else { throw .fsInvalidBody }
                for item in items {
                    guard case .string(let text) = item else { throw .fsInvalidBody }
                    segmentKeys.append(text)
                }
            }
            out.append(Rule(priority: priority, conditions: try conditions(rule["conditions"]),
                            matchType: try matchType(rule["match_type"]), segmentKeys: segmentKeys,
                            percentage: try basisPoints(rule["percentage"], "percentage"),
                            bucketBy: .targetingKey, value: rule["value"] ?? .null))
        }
        return out
    }

    static func conditions(_ value: JSONValue?) throws(APIError) -> [Condition] {
        guard let value = nonNull(value) else { return [] }
        guard case .array(let list) = value else { throw .fsInvalidBody }
        var out: [Condition] = []
        for entry in list {
            guard case .object(let record) = entry, case .string(let attribute)? = record["attribute"], !attribute.isEmpty,
                  case .string(let spelling)? = record["operator"] else { throw .fsInvalidBody }
            guard operators.contains(spelling), let op = Operator(spelling: spelling) else {
                throw .fs(400, "invalid operator \"\(spelling)\": must be one of eq, neq, contains, startsWith, endsWith, in, notIn, gt, gte, lt, lte, regex, exists")
            }
            var values: [JSONValue] = []
            if let given = nonNull(record["values"]) {
                guard case .array(let items) = given else { throw .fsInvalidBody }
                for item in items {
                    switch item {
                    case .string, .number, .bool: values.append(item)
                    default: throw .fsInvalidBody
                    }
                }
            }
            if op == .regex {
                guard case .string(let pattern)? = values.first else { throw .fs(400, "regex conditions need a pattern in values[0]") }
                guard pattern.count <= EdgeFlagsModel.maxRegexLength else {
                    throw .fs(400, "regex pattern longer than \(EdgeFlagsModel.maxRegexLength) characters")
                }
            }
            out.append(Condition(attribute: Attribute(featureSignalsAttribute: attribute), operator: op, values: values,
                                 missingAttribute: .nothingMatches))
        }
        return out
    }

    static func variants(_ value: JSONValue?) throws(APIError) -> [Variant] {
        guard let value = nonNull(value) else { return [] }
        guard case .array(let list) = value else { throw .fsInvalidBody }
        var out: [Variant] = []
        var total = 0
        for entry in list {
            guard case .object(let variant) = entry, case .string(let key)? = variant["key"], !key.isEmpty else {
                throw .fsInvalidBody
            }
            let weight = try basisPoints(variant["weight"], "variant weight") ?? 0
            total += weight
            out.append(Variant(key: key, weight: weight, value: variant["value"] ?? .string(key)))
        }
        guard total <= 10_000 else { throw .fs(400, "variant weights must add up to at most 10000") }
        return out
    }

    static func segment(_ record: FeatureSignalsSegmentRecord) throws(APIError) -> Segment {
        Segment(key: record.key, matchType: try matchType(.string(record.matchType)), conditions: try conditions(.array(record.rules)))
    }

    /// `{"key": …, "attributes": {…}?}` in the environment of the API key.
    static func context(_ value: JSONValue?, environment: String) throws(APIError) -> EvaluationContext {
        guard case .object(let record)? = value, case .string(let key)? = record["key"], !key.isEmpty else {
            throw .fs(400, "flag_key and context.key are required")
        }
        var attributes: [String: JSONValue] = [:]
        if let given = nonNull(record["attributes"]) {
            guard case .object(let fields) = given else { throw .fsInvalidBody }
            attributes = fields
        }
        return EvaluationContext(targetingKey: key, attributes: attributes, environment: environment)
    }

    /// The FeatureSignals word for an engine reason. EdgeFlags' fixed values (a flag written through
    /// `/api/v1`) serve everyone, which is what `TARGETED` says here.
    static func reason(_ reason: Reason) -> String {
        switch reason {
        case .notFound: return "NOT_FOUND"
        case .disabled, .scheduledOff: return "DISABLED"
        case .mutuallyExcluded: return "MUTUALLY_EXCLUDED"
        case .prerequisiteFailed: return "PREREQUISITE_FAILED"
        case .environmentOverride, .override, .targeted: return "TARGETED"
        case .ruleRollout, .rollout: return "ROLLOUT"
        case .variant: return "VARIANT"
        case .fallthrough: return "FALLTHROUGH"
        }
    }

    static func matchType(_ value: JSONValue?) throws(APIError) -> MatchType {
        guard let value = nonNull(value) else { return .all }
        guard case .string(let text) = value, let type = MatchType(rawValue: text) else {
            throw .fs(400, "match_type must be all or any")
        }
        return type
    }

    /// 0–10000 basis points, integral.
    static func basisPoints(_ value: JSONValue?, _ name: String) throws(APIError) -> Int? {
        guard let value = nonNull(value) else { return nil }
        guard case .number(let n) = value, n == n.rounded(), n >= 0, n <= 10_000 else {
            throw .fs(400, "\(name) must be an integer from 0 to 10000")
        }
        return Int(n)
    }

    static func time(_ value: JSONValue?, _ name: String) throws(APIError) -> Double? {
        guard let value = nonNull(value) else { return nil }
        guard case .string(let text) = value, let seconds = Timestamp.parse(text) else {
            throw .fs(400, "\(name) must be an RFC 3339 timestamp")
        }
        return seconds
    }

    static func nonNull(_ value: JSONValue?) -> JSONValue? { EdgeFlagsModel.nonNull(value) }
}
