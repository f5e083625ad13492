import ArgumentParser
import NIOCore
import NIOPosix
import EdgePlatform
#if canImport(Glibc)
import Glibc
#endif

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
// before the first task starts, hence a main.swift rather than `@main`.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// Picks ArgumentParser's async entry point (a plain `Edgeworker.main()` resolves to the sync one).
func runAsync<Command: AsyncParsableCommand>(_ command: Command.Type) async {
    await command.main(nil)
}
await runAsync(Edgeworker.self)
