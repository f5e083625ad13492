import ArgumentParser

/// The command line, spelled like `wrangler`: the runtime's commands, then the application's.
///
/// Every command names itself in its configuration: without a name, ArgumentParser derives one
/// from `String(describing:)` of the type, whose dynamic casts scan the protocol conformance
/// records of the whole (statically linked) binary once per command — about 7 ms of every start.
struct RuntimeCommand: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        let runtime = WorkerRegistry.runtime
        return CommandConfiguration(
            commandName: runtime.name,
            abstract: runtime.abstract,
            version: runtime.version,
            subcommands: [Serve.self, KV.self, Snapshot.self, ReplicaCommand.self, Init.self] + runtime.commands,
            defaultSubcommand: nil
        )
    }
}
