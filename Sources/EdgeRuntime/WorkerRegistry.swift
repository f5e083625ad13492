import EdgeWorker
import FlagsWorker

/// Workers this binary can run, by the name `main` gives in the config.
enum WorkerRegistry {
    static let workers: [String: any Worker] = [
        "HealthWorker": HealthWorker(),
        "FlagsWorker": FlagsWorker(),
    ]
}
