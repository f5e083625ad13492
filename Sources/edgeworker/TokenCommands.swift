import ArgumentParser
import EdgeJSON
import EdgeRuntime
import EdgeWorker
import FlagsWorker
import Foundation

/// `edgeworker token create|list|revoke`: the operator's way to the first admin token of the flag
/// service, without any default credentials. Works on the local store, even while a server runs.
struct TokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Manage ff_ tokens of the flag service.",
        subcommands: [Create.self, List.self, Revoke.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create",
            abstract: "Create a token and print it once on stdout (only its SHA-256 is stored).",
            discussion: "Example: edgeworker token create --project default --permissions '*' --name admin")
        @OptionGroup var store: StoreOptions
        @Option(help: "The project the token belongs to.") var project = "default"
        @Option(help: "Comma-separated: read:flags, read:configs, write:flags, write:configs or * (everything).")
        var permissions: String
        @Option(help: "A name to recognise the token by in listings.") var name: String
        @Option(name: .customLong("expires-at"), help: "ISO 8601 expiry (e.g. 2027-01-01T00:00:00Z); default never.")
        var expiresAt: String?

        func run() async throws {
            let list = permissions.split(separator: ",").map { String($0).trimmed(" ") }.filter { !$0.isEmpty }
            do {
                let created = try await store.withEnv { env in
                    try await FlagsWorker.createToken(env: env, projectID: project, name: name, permissions: list, expiresAt: expiresAt)
                }
                FileHandle.standardError.write(Data(("Created token \"\(name)\" (\(created.record.tokenPrefix)…, hash \(created.record.hash)) for project \(project). It is shown once:\n").utf8))
                print(created.token)
            } catch {
                throw operatorFailure(error)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a project's tokens as JSON (never a plaintext).")
        @OptionGroup var store: StoreOptions
        @Option(help: "The project.") var project = "default"

        func run() async throws {
            do {
                print(try await store.withEnv { env in try FlagsWorker.listTokens(env: env, projectID: project).jsonString })
            } catch {
                throw operatorFailure(error)
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a token by its hash (from `token list`); effective at once.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The token's SHA-256 hash.") var hash: String

        func run() async throws {
            let revoked: Bool
            do {
                revoked = try await store.withEnv { env in try await FlagsWorker.revokeToken(env: env, hash: hash) }
            } catch {
                throw operatorFailure(error)
            }
            guard revoked else { throw OperatorError("✘ [ERROR] No token with hash \(hash).") }
            FileHandle.standardError.write(Data("Revoked token \(hash).\n".utf8))
        }
    }
}

/// A failure of the flag service as one operator line; the runtime's own (the config, the store)
/// already are one.
private func operatorFailure(_ error: any Error) -> any Error {
    if let error = error as? OperatorError, error.description.hasPrefix("✘") { return error }
    return OperatorError("✘ [ERROR] \(error)")
}

extension String {
    func trimmed(_ set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
