import EdgeJSON
import EdgeWorker
import FlagEngine

/// An OFREP request's `context` on the shared evaluation context: `targetingKey` is the user's key
/// (what EdgeFlags rules call `user_id` and FeatureSignals rules `key`, and what rollouts bucket);
/// `environment` picks the environment for a token (a key's own environment always applies);
/// every other attribute is an evaluation attribute by its name, and `email`, `phone` and `plan`
/// also fill the EdgeFlags fields of those names.
enum OFREPContext {
    static func parse(_ request: Request, caller: OFREPCaller) throws(APIError) -> EvaluationContext {
        var context = EvaluationContext(environment: caller.environment)
        guard !request.body.isEmpty else { return context }
        guard let parsed = try? JSONValue.parse(request.body, maxDepth: 32) else {
            throw .ofrep(400, .parseError, "The body is not valid JSON")
        }
        guard case .object(let fields) = parsed else { throw .ofrep(400, .parseError, "The body must be a JSON object") }
        let value = fields["context"]
        try Evaluate.checkContextSize(value, messageBytes: request.body.count)
        guard let value, !value.isNull else { return context }
        guard case .object(let record) = value else { throw .ofrep(400, .invalidContext, "context must be a JSON object") }
        for (name, attribute) in record where !attribute.isNull {
            switch name {
            case "targetingKey":
                guard case .string(let key) = attribute else {
                    throw .ofrep(400, .invalidContext, "context.targetingKey must be a string")
                }
                context.targetingKey = key.isEmpty ? nil : key
            case "environment":
                guard case .string(let environment) = attribute else {
                    throw .ofrep(400, .invalidContext, "context.environment must be a string")
                }
                if caller.environment == nil { context.environment = environment }
            default:
                if name == "email" || name == "phone" || name == "plan" {
                    guard attribute.stringValue != nil || attribute.doubleValue != nil else {
                        throw .ofrep(400, .invalidContext, "context.\(name) must be a string or a number")
                    }
                    switch name {
                    case "email": context.email = attribute
                    case "phone": context.phone = attribute
                    default: context.plan = attribute
                    }
                }
                context.attributes[name] = attribute
            }
        }
        return context
    }
}
