import EdgeJSON
import FlagEngine

/// EdgeFlags records and contexts → engine model (see `Fixtures.swift`).
enum EdgeFlags {
    /// An EdgeFlags flag record (`enabled`, `value`, `targeting`, `environments`, `defaultValue`, …);
    /// `active_from`/`active_until` are given here as Unix seconds (the translator parses ISO 8601).
    static func flag(_ record: JSONValue) throws -> Flag {
        guard let key = record["key"]?.stringValue else { throw FixtureError(description: "key") }
        var environments: [String: EnvironmentSettings] = [:]
        for (name, entry) in record["environments"]?.objectValue ?? [:] {
            environments[name] = try settings(entry)
        }
        return Flag(
            key: key,
            type: record["type"]?.stringValue.flatMap(Flag.ValueType.init(rawValue:)) ?? .boolean,
            defaultValue: record["defaultValue"] ?? false,
            offValue: false,
            base: try settings(record),
            environments: environments,
            activeFrom: record["active_from"]?.doubleValue,
            activeUntil: record["active_until"]?.doubleValue)
    }

    static func settings(_ record: JSONValue) throws -> EnvironmentSettings {
        EnvironmentSettings(
            enabled: record["enabled"]?.boolValue,
            value: record["value"].flatMap { $0.isNull ? nil : $0 },
            targeting: try record["targeting"].map(targeting))
    }

    static func targeting(_ record: JSONValue) throws -> Targeting {
        var rules: [Rule] = []
        for (priority, rule) in (record["rules"]?.arrayValue ?? []).enumerated() {
            rules.append(Rule(
                priority: priority,
                conditions: try (rule["conditions"]?.arrayValue ?? []).map(condition),
                value: rule["value"] ?? true))
        }
        let rollout = record["rollout"].map { rollout in
            Rollout(
                basisPoints: Int(((rollout["percentage"]?.doubleValue ?? 0) * 100).rounded()),
                attribute: Attribute(edgeFlagsProperty: rollout["attribute"]?.stringValue ?? "user_id"),
                servedValue: true)
        }
        return Targeting(rules: rules, rollout: rollout)
    }

    static func condition(_ record: JSONValue) throws -> Condition {
        guard let property = record["property"]?.stringValue,
              let spelling = record["operator"]?.stringValue,
              let op = Operator(spelling: spelling)
        else { throw FixtureError(description: "condition \(record)") }
        let value = record["value"] ?? .null
        let values: [JSONValue]
        if op == .in || op == .notIn, case .array(let list) = value {
            values = list
        } else {
            values = [value]
        }
        return Condition(
            attribute: Attribute(edgeFlagsProperty: property), operator: op, values: values,
            missingAttribute: .negationsMatch)
    }

    static func segment(_ record: JSONValue) throws -> Segment {
        guard let key = record["key"]?.stringValue else { throw FixtureError(description: "segment key") }
        return Segment(key: key, matchType: .all, conditions: try (record["conditions"]?.arrayValue ?? []).map(condition))
    }

    /// An EdgeFlags request context.
    static func context(_ record: JSONValue) -> EvaluationContext {
        EvaluationContext(
            targetingKey: record["user_id"]?.stringValue,
            email: record["email"], phone: record["phone"], plan: record["plan"],
            attributes: record["custom"]?.objectValue ?? [:],
            segments: (record["segments"]?.arrayValue ?? []).compactMap(\.stringValue),
            environment: record["environment"]?.stringValue)
    }
}
