import ArgumentParser
import EdgeJSON
import EdgeReplication
import EdgeWorker
import Foundation

/// `edgeworker replica status URL`: what a node says of its replication, for operators and scripts.
struct ReplicaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replica", abstract: "Inspect origin and replica nodes.", subcommands: [Status.self])

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "status",
            abstract: "Print the replication status of the node at URL (role, sequence, lag) as JSON.",
            discussion: "Exits 1 when the node cannot be reached or refuses the secret, 2 when a replica is not following its origin.")
        @Argument(help: "The node's base URL (http://10.0.0.2:8080).") var url: String
        @OptionGroup var secret: SecretOption
        @OptionGroup var store: StoreOptions

        func run() async throws {
            let client = try secret.client(for: url, store: store)
            defer { client.invalidate() }
            let status: JSONValue
            do {
                status = try await client.status()
            } catch {
                throw OperatorError("✘ [ERROR] \(url): \(error)")
            }
            print(status.jsonString)
            if status["role"]?.stringValue == "replica", status["state"]?.stringValue != "following" {
                throw ExitCode(2)
            }
        }
    }
}
