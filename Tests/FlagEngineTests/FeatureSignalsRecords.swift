import EdgeJSON
import FlagEngine

/// FeatureSignals records and contexts → engine model (see `Fixtures.swift`).
enum FeatureSignals {
    /// A FeatureSignals flag with its per-environment states (keyed by environment).
    static func flag(
        _ key: String, type: Flag.ValueType = .boolean, defaultValue: JSONValue = false,
        states: [String: JSONValue] = [:], expiresAt: Double? = nil, prerequisites: [String] = [],
        group: String? = nil
    ) throws -> Flag {
        var environments: [String: EnvironmentSettings] = [:]
        for (environment, state) in states { environments[environment] = try settings(state) }
        return Flag(
            key: key, type: type, defaultValue: defaultValue, offValue: defaultValue,
            base: EnvironmentSettings(), environments: environments, expiresAt: expiresAt,
            prerequisites: prerequisites, mutualExclusionGroup: group)
    }

    /// A flag state: `{enabled, default_value, rules, percentage_rollout, variants, scheduled_*}`.
    static func settings(_ state: JSONValue) throws -> EnvironmentSettings {
        let percentage = Int(state["percentage_rollout"]?.doubleValue ?? 0)
        return EnvironmentSettings(
            enabled: state["enabled"]?.boolValue ?? false,
            targeting: Targeting(
                rules: try (state["rules"]?.arrayValue ?? []).map(rule),
                rollout: percentage > 0 ? Rollout(basisPoints: percentage, attribute: .targetingKey) : nil),
            defaultValue: state["default_value"].flatMap { $0.isNull ? nil : $0 },
            variants: (state["variants"]?.arrayValue ?? []).map { variant in
                Variant(
                    key: variant["key"]?.stringValue ?? "",
                    weight: Int(variant["weight"]?.doubleValue ?? 0),
                    value: variant["value"] ?? .null)
            },
            scheduledEnableAt: state["scheduled_enable_at"]?.doubleValue,
            scheduledDisableAt: state["scheduled_disable_at"]?.doubleValue)
    }

    static func rule(_ record: JSONValue) throws -> Rule {
        Rule(
            priority: Int(record["priority"]?.doubleValue ?? 0),
            conditions: try (record["conditions"]?.arrayValue ?? []).map(condition),
            matchType: record["match_type"]?.stringValue.flatMap(MatchType.init(rawValue:)) ?? .all,
            segmentKeys: (record["segment_keys"]?.arrayValue ?? []).compactMap(\.stringValue),
            percentage: record["percentage"]?.doubleValue.map { Int($0) },
            value: record["value"] ?? .null)
    }

    static func condition(_ record: JSONValue) throws -> Condition {
        guard let attribute = record["attribute"]?.stringValue,
              let spelling = record["operator"]?.stringValue,
              let op = Operator(spelling: spelling)
        else { throw FixtureError(description: "condition \(record)") }
        return Condition(
            attribute: Attribute(featureSignalsAttribute: attribute), operator: op,
            values: record["values"]?.arrayValue ?? [], missingAttribute: .nothingMatches)
    }

    static func segment(_ record: JSONValue) throws -> Segment {
        guard let key = record["key"]?.stringValue else { throw FixtureError(description: "segment key") }
        return Segment(
            key: key,
            matchType: record["match_type"]?.stringValue.flatMap(MatchType.init(rawValue:)) ?? .all,
            conditions: try (record["rules"]?.arrayValue ?? []).map(condition))
    }

    static func context(key: String?, attributes: [String: JSONValue] = [:], environment: String = "production")
        -> EvaluationContext
    {
        EvaluationContext(targetingKey: key, attributes: attributes, environment: environment)
    }
}
