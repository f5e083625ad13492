import EdgeWorker
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The thin socket runner: HTTP/1.1 on SwiftNIO in front of one `Worker`.
///
/// It turns bytes into `Request`s and `Response`s into bytes and owns connection concerns only:
/// keep-alive and pipelining, body and header limits, idle and per-request timeouts, a cap on
/// connections, access logs and graceful shutdown. It knows nothing about what the worker does.
public final class EdgeServer: Sendable {
    private let app: ServerContext
    private let group: any EventLoopGroup
    private let connections = ConnectionRegistry()
    private let serverChannel = Mutex<(any Channel)?>(nil)
    private let flushers: [ObjectIdentifier: TickFlusher]
    private let routeCounters: [ObjectIdentifier: RouteCounterCache]
    private let metricsChannel = Mutex<(any Channel)?>(nil)

    public var background: BackgroundWork { app.background }

    public init(worker: any Worker, env: Env, settings: ServerSettings, group: any EventLoopGroup,
                logger: Logger = Logger(label: "edgeworker")) {
        self.group = group
        flushers = TickFlusher.forEachLoop(of: group)
        // With `[server] metrics` set, swift-metrics counts into the Prometheus registry that
        // listener serves (`serve` bootstraps it earlier, before the store and worker make theirs).
        if settings.metrics != nil { PrometheusExport.bootstrap() }
        let metrics = ServerMetrics()
        routeCounters = RouteCounterCache.forEachLoop(of: group, metrics: metrics)
        let accessLog = AccessLog(level: settings.accessLog, dropped: metrics.droppedLogLines)
        app = ServerContext(worker: worker, env: env, settings: settings, accessLog: accessLog,
                            background: BackgroundWork(), logger: logger, metrics: metrics)
    }

    /// Binds and starts accepting; returns the port (useful with port 0).
    @discardableResult
    public func start() async throws -> Int {
        let app = self.app
        let connections = self.connections
        let settings = app.settings
        let flushers = self.flushers
        let routeCounters = self.routeCounters
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(.maxMessagesPerRead, value: 16)
            // A client that sends its request and shuts its side (`nc -N`, some health checkers) still
            // gets its answer: HTTPHandler closes once the requests it has are answered.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // Unsent answers above this stop the reading of requests (HTTPHandler.read); half of it resumes it.
            .childChannelOption(.writeBufferWaterMark,
                                value: .init(low: max(1, settings.maxUnsentBytes / 2), high: settings.maxUnsentBytes))
            .childChannelInitializer { channel in
                switch connections.admit(channel, settings: settings) {
                case .admitted:
                    break
                case .refused(let reason):
                    app.logRefusal(reason, peer: HTTPHandler.address(channel.remoteAddress))
                    return channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            ConnectionRefusal(body: app.errorBody(503, reason.message), linger: settings.headerTimeoutSeconds))
                    }
                }
                return channel.eventLoop.makeCompletedFuture {
                    let timeouts = ConnectionTimeouts(requestTimeoutSeconds: settings.requestTimeoutSeconds,
                                                      idleTimeoutSeconds: settings.idleTimeoutSeconds,
                                                      headerTimeoutSeconds: settings.headerTimeoutSeconds,
                                                      errorBody: app.errorBody(408, "Request timed out"),
                                                      onExpiry: { app.metrics.reject(.timeout) })
                    // Responses are framed by HTTPHandler itself (ResponseEncoder), so only the
                    // request side of NIO's HTTP codec is in the pipeline.
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(timeouts)
                    let decoder = ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes))
                    try sync.addHandler(decoder)
                    let loop = ObjectIdentifier(channel.eventLoop)
                    try sync.addHandler(HTTPHandler(app: app, timeouts: timeouts, decoder: decoder,
                                                       flusher: flushers[loop], routeCounters: routeCounters[loop]))
                }
            }
        let channel = try await bootstrap.bind(host: settings.ip, port: settings.port).get()
        serverChannel.withLock { $0 = channel }
        if let address = settings.metrics {
            let open = app.metrics.openConnections
            let listener: any Channel
            do {
                listener = try await MetricsListener.start(address, registry: PrometheusExport.bootstrap(), group: group) {
                    open.record(connections.count)
                }
            } catch {
                try? await channel.close()
                throw error
            }
            metricsChannel.withLock { $0 = listener }
        }
        return channel.localAddress?.port ?? settings.port
    }

    /// The bound port, once started.
    public var port: Int? { serverChannel.withLock { $0?.localAddress?.port } }

    /// The port of the `/metrics` listener, when `[server] metrics` is set and the server started.
    public var metricsPort: Int? { metricsChannel.withLock { $0?.localAddress?.port } }

    /// Graceful shutdown: stop accepting, let in-flight requests finish (idle keep-alive connections
    /// close at once), then drain `waitUntil` work, each within the grace period.
    public func shutdown() async {
        app.beginShutdown()
        let channel = serverChannel.withLock { c -> (any Channel)? in
            defer { c = nil }
            return c
        }
        try? await channel?.close()
        let metrics = metricsChannel.withLock { c -> (any Channel)? in
            defer { c = nil }
            return c
        }
        try? await metrics?.close()
        let grace = app.settings.shutdownGraceSeconds
        await connections.quiesceAll(timeoutSeconds: grace)
        let drained = await app.background.drain(timeout: grace)
        if !drained {
            app.logger.warning("shutdown: background work still running after \(grace) s was abandoned")
        }
        app.accessLog.close()
    }

    public var openConnections: Int { connections.count }

    /// Connections refused since start: over `max_connections_per_client`, and over `max_connections`.
    public var refusedConnections: (perClient: Int, total: Int) { app.refusals.counts }
}

/// Open connections: counted for the caps, and told to quiesce on shutdown.
final class ConnectionRegistry: Sendable {
    private struct State {
        var channels: [ObjectIdentifier: any Channel] = [:]
        /// Open connections by peer address; trusted proxies are not counted.
        var perAddress: [String: Int] = [:]
    }

    /// Why a connection was refused.
    enum Refusal: Sendable {
        case perClient
        case total

        var message: String {
            switch self {
            case .perClient: "Too many connections from this address"
            case .total: "Too many connections"
            }
        }
    }

    enum Admission {
        case admitted
        case refused(Refusal)
    }

    private let state = Mutex(State())

    var count: Int { state.withLock { $0.channels.count } }

    /// Admits `channel` unless the server holds `max_connections` already, or its peer address
    /// (unless a trusted proxy's) holds `max_connections_per_client`.
    func admit(_ channel: any Channel, settings: ServerSettings) -> Admission {
        let id = ObjectIdentifier(channel)
        let address = channel.remoteAddress?.ipAddress
        let counted = address.flatMap { settings.trustedProxies.contains($0) ? nil : $0 }
        let admission = state.withLock { s -> Admission in
            guard s.channels.count < settings.maxConnections else { return .refused(.total) }
            if let counted {
                let held = s.perAddress[counted, default: 0]
                guard held < settings.maxConnectionsPerClient else { return .refused(.perClient) }
                s.perAddress[counted] = held + 1
            }
            s.channels[id] = channel
            return .admitted
        }
        if case .admitted = admission {
            channel.closeFuture.whenComplete { [self] _ in
                state.withLock { s in
                    s.channels.removeValue(forKey: id)
                    if let counted {
                        let held = s.perAddress[counted, default: 1] - 1
                        s.perAddress[counted] = held > 0 ? held : nil
                    }
                }
            }
        }
        return admission
    }

    /// Sends NIO's quiesce event to every connection: `HTTPHandler` closes idle ones now and busy ones
    /// after their current response. Stragglers are closed at the deadline.
    func quiesceAll(timeoutSeconds: Double) async {
        let open = state.withLock { Array($0.channels.values) }
        for channel in open {
            channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
        let deadline = NIODeadline.now() + .nanoseconds(Int64(timeoutSeconds * 1e9))
        while count > 0 && NIODeadline.now() < deadline {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        for channel in state.withLock({ Array($0.channels.values) }) {
            try? await channel.close()
        }
    }
}
