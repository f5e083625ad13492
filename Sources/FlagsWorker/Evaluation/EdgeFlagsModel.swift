import EdgeJSON
import FlagEngine

/// EdgeFlags records and contexts → the engine's model. Also the validation of what a client
/// writes: a record that does not translate is a 400 naming what is wrong.
enum EdgeFlagsModel {
    static let maxRegexLength = 256
    /// The spec's spellings only: the engine also knows the FeatureSignals ones (`eq`, `notIn`, …).
    static let operators: Set<String> = ["equals", "not_equals", "contains", "not_contains", "starts_with", "ends_with",
                                         "in", "not_in", "gt", "gte", "lt", "lte", "regex"]

    /// The one translation of a stored EdgeFlags flag (and the validation of one about to be stored).
    static func flag(_ record: EdgeFlagsFlagRecord) throws(APIError) -> Flag {
        var environments: [String: EnvironmentSettings] = [:]
        if let entries = record.environments, !entries.isNull {
            guard case .object(let map) = entries else { throw Body.wrongType("environments", "an object") }
            for (name, entry) in map {
                guard case .object(let fields) = entry else { throw Body.wrongType("environments.\(name)", "an object") }
                environments[name] = try settings(enabled: fields["enabled"], value: fields["value"],
                                                  targeting: fields["targeting"], field: "environments.\(name).")
            }
        }
        var type = Flag.ValueType.boolean
        let spelling = record.type
        if let spelling, !spelling.isNull {
            guard let text = spelling.stringValue, let parsed = Flag.ValueType(rawValue: text), parsed != .ab else {
                throw .validation("Invalid field type: type must be one of boolean, string, number, json")
            }
            type = parsed
        }
        return Flag(key: record.key, type: type, defaultValue: nonNull(record.defaultValue) ?? false, offValue: false,
                    base: try settings(enabled: record.enabled, value: record.value, targeting: record.targeting, field: ""),
                    environments: environments,
                    activeFrom: try time(record.activeFrom, "active_from"),
                    activeUntil: try time(record.activeUntil, "active_until"),
                    declaresType: !(spelling ?? .null).isNull)
    }

    /// A flag's base settings, or one environment's override (`field` prefixes the names in errors).
    static func settings(enabled switchValue: JSONValue?, value: JSONValue?, targeting targetingValue: JSONValue?,
                         field: String) throws(APIError) -> EnvironmentSettings {
        var enabled: Bool?
        if let value = nonNull(switchValue) {
            guard case .bool(let flag) = value else { throw Body.wrongType("\(field)enabled", "a boolean") }
            enabled = flag
        }
        var targeting: Targeting?
        if let value = nonNull(targetingValue) {
            guard case .object(let fields) = value else { throw Body.wrongType("\(field)targeting", "an object") }
            targeting = try self.targeting(fields, field: "\(field)targeting.")
        }
        return EnvironmentSettings(enabled: enabled, value: nonNull(value), targeting: targeting)
    }

    static func targeting(_ record: [String: JSONValue], field: String) throws(APIError) -> Targeting {
        var rules: [Rule] = []
        if let value = nonNull(record["rules"]) {
            guard case .array(let list) = value else { throw Body.wrongType("\(field)rules", "an array") }
            for (index, entry) in list.enumerated() {
                guard case .object(let rule) = entry else { throw Body.wrongType("\(field)rules[\(index)]", "an object") }
                let conditions = try self.conditions(rule["conditions"], field: "\(field)rules[\(index)].conditions")
                rules.append(Rule(priority: index, conditions: conditions, value: nonNull(rule["value"]) ?? true))
            }
        }
        var rollout: Rollout?
        if let value = nonNull(record["rollout"]) {
            guard case .object(let fields) = value else { throw Body.wrongType("\(field)rollout", "an object") }
            guard case .number(let percentage)? = fields["percentage"], percentage >= 0, percentage <= 100 else {
                throw .validation("Invalid field type: \(field)rollout.percentage must be a number from 0 to 100")
            }
            var attribute = Attribute.targetingKey
            if let name = nonNull(fields["attribute"]) {
                guard case .string(let text) = name else { throw Body.wrongType("\(field)rollout.attribute", "a string") }
                attribute = Attribute(edgeFlagsProperty: text)
            }
            rollout = Rollout(basisPoints: Int((percentage * 100).rounded()), attribute: attribute, servedValue: true)
        }
        return Targeting(rules: rules, rollout: rollout)
    }

    static func conditions(_ value: JSONValue?, field: String) throws(APIError) -> [Condition] {
        guard let value = nonNull(value) else { return [] }
        guard case .array(let list) = value else { throw Body.wrongType(field, "an array") }
        var out: [Condition] = []
        for (index, entry) in list.enumerated() {
            out.append(try condition(entry, field: "\(field)[\(index)]"))
        }
        return out
    }

    static func condition(_ value: JSONValue, field: String) throws(APIError) -> Condition {
        guard case .object(let record) = value else { throw Body.wrongType(field, "an object") }
        guard case .string(let property)? = record["property"], !property.isEmpty else {
            throw .validation("Missing required fields: \(field).property")
        }
        guard case .string(let spelling)? = record["operator"] else {
            throw .validation("Missing required fields: \(field).operator")
        }
        guard operators.contains(spelling), let op = Operator(spelling: spelling) else {
            throw .validation("Invalid operator \"\(spelling)\" in \(field): must be one of equals, not_equals, contains, not_contains, starts_with, ends_with, in, not_in, gt, gte, lt, lte, regex")
        }
        let operand = record["value"] ?? .null
        let values: [JSONValue]
        switch op {
        case .in, .notIn:
            guard case .array(let list) = operand else { throw Body.wrongType("\(field).value", "an array for \(spelling)") }
            values = list
        case .regex:
            guard case .string(let pattern) = operand else { throw Body.wrongType("\(field).value", "a string for regex") }
            guard pattern.count <= maxRegexLength else {
                throw .validation("Invalid regex in \(field): pattern longer than \(maxRegexLength) characters")
            }
            values = [operand]
        default:
            values = [operand]
        }
        let attribute = Attribute(edgeFlagsProperty: property)
        if attribute == .segment && op != .in && op != .notIn {
            throw .validation("Invalid operator \"\(spelling)\" in \(field): segment conditions use in or not_in")
        }
        return Condition(attribute: attribute, operator: op, values: values, missingAttribute: .negationsMatch)
    }

    static func segment(_ record: EdgeFlagsSegmentRecord) throws(APIError) -> Segment {
        Segment(key: record.key, matchType: .all, conditions: try conditions(record.conditions, field: "conditions"))
    }

    /// An EdgeFlags request context; wrong types are 400s.
    static func context(_ value: JSONValue?) throws(APIError) -> EvaluationContext {
        guard let value = nonNull(value) else { return EvaluationContext() }
        guard case .object(let record) = value else { throw Body.wrongType("context", "an object") }
        func text(_ name: String) throws(APIError) -> String? {
            switch nonNull(record[name]) {
            case nil: return nil
            case .string(let s)?: return s
            case .number(let n)?: return JSONValue.number(n).jsonString
            default: throw Body.wrongType("context.\(name)", "a string")
            }
        }
        var segments: [String] = []
        if let list = nonNull(record["segments"]) {
            guard case .array(let items) = list else { throw Body.wrongType("context.segments", "an array of strings") }
            for item in items {
                guard case .string(let key) = item else { throw Body.wrongType("context.segments", "an array of strings") }
                segments.append(key)
            }
        }
        var custom: [String: JSONValue] = [:]
        if let object = nonNull(record["custom"]) {
            guard case .object(let fields) = object else { throw Body.wrongType("context.custom", "an object") }
            custom = fields
        }
        // A string, or a number kept as one (numeric operators compare it as a number).
        func scalar(_ name: String) throws(APIError) -> JSONValue? {
            switch nonNull(record[name]) {
            case nil: return nil
            case let value? where value.stringValue != nil || value.doubleValue != nil: return value
            default: throw Body.wrongType("context.\(name)", "a string")
            }
        }
        return EvaluationContext(targetingKey: try text("user_id"), email: try scalar("email"),
                                 phone: try scalar("phone"), plan: try scalar("plan"), attributes: custom,
                                 segments: segments, environment: try text("environment"))
    }

    /// The EdgeFlags word for an engine reason.
    static func reason(_ reason: Reason) -> String {
        switch reason {
        case .disabled, .scheduledOff: return "disabled"
        case .environmentOverride: return "environment_override"
        case .override: return "override"
        case .targeted: return "targeting"
        case .ruleRollout, .rollout: return "rollout"
        case .fallthrough, .notFound, .mutuallyExcluded, .prerequisiteFailed, .variant: return "default"
        }
    }

    static func typeName(declared: Flag.ValueType?, value: JSONValue) -> String {
        if let declared { return declared.rawValue }
        switch value {
        case .bool: return "boolean"
        case .string: return "string"
        case .number: return "number"
        default: return "json"
        }
    }

    private static func time(_ value: JSONValue?, _ name: String) throws(APIError) -> Double? {
        guard let value = nonNull(value) else { return nil }
        guard case .string(let text) = value, let seconds = Timestamp.parse(text) else {
            throw .validation("Invalid field type: \(name) must be an ISO 8601 timestamp")
        }
        return seconds
    }

    static func nonNull(_ value: JSONValue?) -> JSONValue? {
        guard let value, !value.isNull else { return nil }
        return value
    }
}
