import EdgeWorker
import Synchronization

/// The service is created from the first request's `Env` and kept for the worker's lifetime.
final class ServiceSlot: Sendable {
    private let slot = Mutex<Service?>(nil)

    /// The service once the first request has made it.
    var existing: Service? { slot.withLock { $0 } }

    func service(env: Env) throws(APIError) -> Service {
        if let existing = slot.withLock({ $0 }) { return existing }
        let created = try Service(env: env)
        return slot.withLock { current in
            if let current { return current }
            current = created
            return created
        }
    }
}
