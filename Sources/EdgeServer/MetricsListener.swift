import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus

/// `GET /metrics` in the Prometheus text format on a listener of its own (`[server] metrics`), off
/// the public port so that a PoP does not publish it. Anything else there is a 404.
enum MetricsListener {
    /// Binds `address` (`host:port`) and serves `registry`; `beforeScrape` sets the gauges that are
    /// read rather than counted (open connections) just before each scrape.
    static func start(_ address: String, registry: PrometheusCollectorRegistry, group: any EventLoopGroup,
                      beforeScrape: @escaping @Sendable () -> Void) async throws -> any Channel {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw ListenerError.badAddress(address)
        }
        let host = String(address[..<colon].filter { $0 != "[" && $0 != "]" })
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    try channel.pipeline.syncOperations.addHandler(ScrapeHandler(registry: registry, beforeScrape: beforeScrape))
                }
            }
            .bind(host: host, port: port).get()
    }

    enum ListenerError: Error, CustomStringConvertible {
        case badAddress(String)
        var description: String {
            switch self {
            case .badAddress(let address): "[server] metrics = \"\(address)\" is not host:port"
            }
        }
    }

    private final class ScrapeHandler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let registry: PrometheusCollectorRegistry
        let beforeScrape: @Sendable () -> Void

        init(registry: PrometheusCollectorRegistry, beforeScrape: @escaping @Sendable () -> Void) {
            self.registry = registry
            self.beforeScrape = beforeScrape
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
            var body: [UInt8]
            let status: HTTPResponseStatus
            var headers = HTTPHeaders()
            if path == "/metrics" && (head.method == .GET || head.method == .HEAD) {
                beforeScrape()
                body = []
                body.reserveCapacity(16 * 1024)
                registry.emit(into: &body)
                status = .ok
                headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
            } else {
                body = Array("Not found: the metrics are at GET /metrics\n".utf8)
                status = .notFound
                headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
            }
            headers.add(name: "Content-Length", value: String(body.count))
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                          promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
