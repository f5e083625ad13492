import ArgumentParser
import EdgePlatform
import EdgeWorker
import NIOCore
import NIOPosix
#if canImport(Glibc)
import Glibc
#endif

/// The whole command line of the runtime — `serve`, `kv …`, `snapshot …`, `replica …`, `init` —
/// for the workers an application registers by name.
///
/// An application's executable is its `main.swift`:
///
/// ```swift
/// import EdgeRuntime
///
/// await Runtime(name: "hello", workers: ["HelloWorker": HelloWorker()]).main()
/// ```
///
/// `wrangler-like.toml` names the worker to serve with `main = "HelloWorker"`. The `edgeworker`
/// executable of this package is such an application: the flag service, with its `token`
/// commands, registered through this same entry point.
public struct Runtime {
    /// The command's name in help and messages (the executable's name).
    public var name: String
    /// What `--version` prints.
    public var version: String
    /// One line under the name in `--help`.
    public var abstract: String
    /// The workers `main` (and `routes`) of the config may name, by name.
    public var workers: [String: any Worker]
    /// The application's own subcommands, after the runtime's. A command that works on the store
    /// takes `@OptionGroup var store: StoreOptions` and opens it with ``StoreOptions/withEnv(_:)``.
    public var commands: [any ParsableCommand.Type]

    /// - Parameters:
    ///   - name: the executable's name, for help and messages.
    ///   - version: what `--version` prints.
    ///   - abstract: one line under the name in `--help`.
    ///   - workers: the workers the config may name; `HealthWorker` (`GET /health` only) is always
    ///     there unless this registers a worker of that name.
    ///   - commands: the application's own subcommands (names must not clash with the runtime's).
    public init(name: String, version: String = "0.1.0",
                abstract: String = "A Cloudflare-Workers-style runtime for Swift, with Workers KV on LMDB.",
                workers: [String: any Worker], commands: [any ParsableCommand.Type] = []) {
        self.name = name
        self.version = version
        self.abstract = abstract
        self.workers = workers
        self.commands = commands
    }

    /// Parses the process's arguments, runs the command, and exits with its status.
    ///
    /// Call it from the top level of `main.swift`, before anything else starts a task: it installs
    /// NIO's event loops as Swift concurrency's global executor, which must happen before the first
    /// task runs (hence `@MainActor`: the call does not hop to the default executor first).
    @MainActor
    public func main() async {
        WorkerRegistry.install(self)
        // `serve` handles SIGTERM and SIGINT from the start: a handler writes the signal to a pipe that
        // `SignalWaiter` reads on a thread of its own. One that comes while the server is still starting
        // waits in the pipe and stops it once it is up. (A DispatchSource with SIG_IGN, the usual way, can
        // lose a signal on Linux: delivered to a thread that ignores it, it never reaches the source.)
        if CommandLine.arguments.dropFirst().first == "serve" { SignalWaiter.install([SIGTERM, SIGINT]) }

        // One event loop per CPU this process may run on. NIO counts the machine's cores (or the cgroup
        // quota) but not the affinity mask, so under `taskset -c 0` it would start two loops that fight
        // for one core. NIO_SINGLETON_GROUP_LOOP_COUNT still overrides.
        if getenv("NIO_SINGLETON_GROUP_LOOP_COUNT") == nil, let cpus = ProcessFacts.allowedCPUCount(), cpus < System.coreCount {
            NIOSingletons.groupLoopCountSuggestion = cpus
        }

        // Run Swift concurrency on NIO's event loops: a worker's `fetch` then runs on the thread that read
        // the request, with no hop to another pool and back (about 10 µs each way). This must happen
        // before the first task starts.
        NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

        await runAsync(RuntimeCommand.self)
    }
}

/// Picks ArgumentParser's async entry point (a plain `RuntimeCommand.main()` resolves to the sync one).
private func runAsync<Command: AsyncParsableCommand>(_ command: Command.Type) async {
    await command.main(nil)
}
