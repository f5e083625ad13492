import ArgumentParser

/// The command line, spelled like `wrangler`.
///
/// Every command names itself in its configuration: without a name, ArgumentParser derives one
/// from `String(describing:)` of the type, whose dynamic casts scan the protocol conformance
/// records of the whole (statically linked) binary once per command — about 7 ms of every start.
@available(macOS 10.15, *)
struct Edgeworker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edgeworker",
        abstract: "A Cloudflare-Workers-style runtime for Swift, with Workers KV on LMDB.",
        version: "0.1.0",
        subcommands: [Serve.self, KV.self, TokenCommand.self, Snapshot.self, ReplicaCommand.self],
        defaultSubcommand: nil
    )
}

/// Options every command that opens the local store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "Path to the config file.")
    var config = "wrangler-like.toml"

    @Option(name: .long, help: "Use the [env.NAME] section of the config.")
    var env: String?

    @Option(name: .customLong("persist-to"), help: "Directory of the LMDB store (default: [storage] persist_to, else kv-namespaces/).")
    var persistTo: String?

    @Flag(name: .long, help: "Use each namespace's preview_id instead of its id.")
    var preview = false
}
