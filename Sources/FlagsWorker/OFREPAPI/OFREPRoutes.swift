import EdgeWorker

/// The OFREP dialect (`/ofrep/v1`): OpenFeature's remote evaluation, by `fs_` key or `ff_` token.
enum OFREPRoutes {
    static let all: [Route] = {
        let credential = Gate<OFREPCaller>.ofrep(), eventSource = Gate<OFREPCaller>.ofrep(at: .headerOrQuery("api_key"))
        let tag = "ofrep"
        return [
            Route(.ofrep, "POST", "/ofrep/v1/evaluate/flags/{key}", credential, limit: .evaluation, tag: tag,
                  summary: "Evaluate one flag for a context", immediate: OFREPEvaluate.one),
            Route(.ofrep, "POST", "/ofrep/v1/evaluate/flags", credential, limit: .evaluation, tag: tag,
                  summary: "Evaluate every flag for a context (ETag over the flags and the context)", immediate: OFREPEvaluate.bulk),
            Route(.ofrep, "GET", "/ofrep/v1/configuration", credential, limit: .evaluation, tag: tag,
                  summary: "The provider configuration: cache invalidation and supported types", immediate: OFREPConfiguration.get),
            Route(.ofrep, "GET", "/ofrep/v1/events", eventSource, limit: .evaluation, tag: tag,
                  summary: "Server-sent events: refetchEvaluation on every change the credential can see", handler: OFREPEvents.stream),
        ]
    }()
}
