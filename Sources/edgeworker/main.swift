import ArgumentParser
import NIOCore
import NIOPosix

// Run Swift concurrency on NIO's event loops: a worker's `fetch` then runs on the thread that read
// the request, with no hop to another pool and back (about 10 µs each way). This must happen
// before the first task starts, hence a main.swift rather than `@main`.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

/// Picks ArgumentParser's async entry point (a plain `Edgeworker.main()` resolves to the sync one).
func runAsync<Command: AsyncParsableCommand>(_ command: Command.Type) async {
    await command.main(nil)
}
await runAsync(Edgeworker.self)
