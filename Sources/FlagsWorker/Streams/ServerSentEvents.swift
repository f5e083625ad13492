import EdgeWorker

/// The answer of a server-sent-events route (FeatureSignals `/v1/stream/{envKey}`, OFREP
/// `/ofrep/v1/events`): the events its hub listener yields, comment heartbeats every
/// `SSE_HEARTBEAT_SECONDS` so that proxies keep an idle stream open, and the listener removed when
/// the client goes.
enum ServerSentEvents {
    static func response(_ stream: AsyncStream<[UInt8]>, _ continuation: AsyncStream<[UInt8]>.Continuation,
                         service: Service, listener: UInt64) -> Response {
        let interval = service.settings.heartbeatSeconds
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                if Task.isCancelled { return }
                continuation.yield(Array(": heartbeat\n\n".utf8))
            }
        }
        continuation.onTermination = { _ in
            service.subscribers.remove(listener)
            heartbeat.cancel()
        }
        return Response(status: 200, headers: ["Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                               "X-Accel-Buffering": "no"], body: .stream(stream))
    }
}
