import EdgeRuntime
import FlagsWorker

// This project's executable: the runtime's command line with the flag service registered, through
// the same public entry point as any application's (`edgeworker init` writes one like it).
// `HealthWorker` (`GET /health`) comes with the runtime.
await Runtime(name: "edgeworker", workers: ["FlagsWorker": FlagsWorker()], commands: [TokenCommand.self]).main()
