import ArgumentParser
import EdgeWorker

/// What the application registered with ``Runtime``: the commands read it, since ArgumentParser
/// makes them from their types, not from values one could hand them.
enum WorkerRegistry {
    /// Written once by `Runtime.main` before the command line is parsed, only read afterwards.
    nonisolated(unsafe) private(set) static var runtime = Runtime(name: "edgeworker", workers: [:])

    static func install(_ runtime: Runtime) {
        self.runtime = runtime
    }

    /// Workers the config may name: the application's, and the built-in `HealthWorker`.
    static var workers: [String: any Worker] {
        var workers: [String: any Worker] = ["HealthWorker": HealthWorker()]
        workers.merge(runtime.workers) { _, application in application }
        return workers
    }

    /// The worker named `name`, or an operator's error listing the names this binary has.
    static func worker(named name: String) throws -> any Worker {
        let all = workers
        guard let worker = all[name] else {
            let known = all.keys.sorted().joined(separator: ", ")
            throw OperatorError("✘ \"\(name)\" is not a worker this binary has (available: \(known)).")
        }
        return worker
    }
}
