import EdgeJSON
import EdgeWorker
import Logging
import Synchronization

/// What every connection of a server shares: the worker, its env, the settings, the log and the
/// background work of `waitUntil`.
final class ServerContext: Sendable {
    let worker: any Worker
    let env: Env
    let settings: ServerSettings
    let accessLog: AccessLog
    let background: BackgroundWork
    let logger: Logger
    let metrics: ServerMetrics
    let requestIDs = RequestIDs()
    private let shuttingDown = Atomic<Bool>(false)

    init(worker: any Worker, env: Env, settings: ServerSettings, accessLog: AccessLog, background: BackgroundWork, logger: Logger,
         metrics: ServerMetrics) {
        self.metrics = metrics
        self.worker = worker
        self.env = env
        self.settings = settings
        self.accessLog = accessLog
        self.background = background
        self.logger = logger
    }

    /// Connections refused over a cap, counted and logged (rate-limited).
    let refusals = RefusalLog()

    func logRefusal(_ refusal: ConnectionRegistry.Refusal, peer: String) {
        metrics.reject(refusal == .perClient ? .connectionsPerClient : .connections)
        refusals.record(refusal, peer: peer, logger: logger)
    }

    var isShuttingDown: Bool { shuttingDown.load(ordering: .relaxed) }
    func beginShutdown() { shuttingDown.store(true, ordering: .relaxed) }

    /// The worker's answer when it can give one without suspending (see `Worker.immediateResponse`).
    func immediateResponse(to request: Request) -> Response? {
        worker.immediateResponse(to: request, env: env, ctx: ExecutionContext(tracker: background))
    }

    /// Calls the worker; an error it throws is logged and becomes a generic 500.
    func respond(to request: Request, requestID: String) async -> Response {
        do {
            return try await worker.fetch(request, env: env, ctx: ExecutionContext(tracker: background))
        } catch {
            logger.error("worker threw", metadata: ["method": "\(request.method)", "path": "\(request.path)",
                                                    "error": "\(String(reflecting: error))"])
            return .jsonBytes(errorBody(500, "Internal Server Error", requestID: requestID), status: 500)
        }
    }

    /// The body of an error the runner answers itself, in the worker's shape (`Worker.runnerErrorBody`).
    func errorBody(_ status: UInt, _ message: String, requestID: String? = nil) -> [UInt8] {
        let code: String
        switch status {
        case 400: code = "BAD_REQUEST"
        case 408: code = "REQUEST_TIMEOUT"
        case 413: code = "PAYLOAD_TOO_LARGE"
        case 431: code = "HEADERS_TOO_LARGE"
        case 501: code = "NOT_IMPLEMENTED"
        case 503: code = "UNAVAILABLE"
        default: code = "INTERNAL_ERROR"
        }
        return worker.runnerErrorBody(status: Int(status), code: code, message: message, requestID: requestID)
    }

    func errorBody(_ status: Int, _ message: String, requestID: String? = nil) -> [UInt8] {
        errorBody(UInt(status), message, requestID: requestID)
    }
}
