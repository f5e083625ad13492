import EdgeJSON
import EdgeWorker

/// The built-in worker of the default config until an application is named in `main`:
/// `GET /health` and JSON 404/405 for everything else.
struct HealthWorker: Worker {
    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        answer(request, env: env)
    }

    /// Every answer is computed from the request alone: the runner never needs a task for it (this
    /// also makes `/health` of the built-in worker the runner's own floor in `scripts/bench http`).
    func immediateResponse(to request: Request, env: Env, ctx: ExecutionContext) -> Response? {
        answer(request, env: env)
    }

    private func answer(_ request: Request, env: Env) -> Response {
        guard request.path == "/health" else {
            return .json(["error": "Not found", "code": "NOT_FOUND"], status: 404)
        }
        guard request.method == "GET" || request.method == "HEAD" else {
            return .json(["error": "Method not allowed", "code": "METHOD_NOT_ALLOWED"], status: 405,
                         headers: ["Allow": "GET, HEAD"])
        }
        let environment = env.setting("ENVIRONMENT") ?? "development"
        return .json(["status": "ok", "environment": .string(environment)],
                     headers: ["Cache-Control": "private, max-age=10, stale-while-revalidate=30"])
    }
}
