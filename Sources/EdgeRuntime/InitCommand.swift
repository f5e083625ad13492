import ArgumentParser
import EdgeWorker
import Foundation

/// `init NAME`: a new package with a worker on this runtime, as `wrangler init` makes a new
/// Worker project — ready for `swift run NAME serve` and `swift test`.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a Swift package with a worker on this runtime (like `wrangler init`).",
        discussion: """
            Writes Package.swift, an executable with a worker (two routes and a KV counter), \
            wrangler-like.toml, a static asset, tests that use WorkerHarness, a README and a .gitignore. \
            Then: cd NAME && swift run NAME serve.
            """)

    @Argument(help: "The package's name (letters, digits, - and _; it starts with a letter).")
    var name: String
    @Option(help: "The folder to create the package in (default: ./NAME); it must not exist or be empty.")
    var path: String?
    @Option(name: .customLong("runtime-path"),
            help: "Depend on the edgeworker checkout in DIR instead of its URL (offline work, tests).")
    var runtimePath: String?

    func validate() throws {
        guard let first = name.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
              name.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_") }),
              name.count <= 64 else {
            throw ValidationError("NAME must start with a letter and hold only letters, digits, - and _ (at most 64), such as hello-worker")
        }
    }

    func run() async throws {
        let folder = URL(fileURLWithPath: path ?? name).standardizedFileURL
        let files = FileManager.default
        if let existing = try? files.contentsOfDirectory(atPath: folder.path), !existing.isEmpty {
            throw OperatorError("✘ [ERROR] \(folder.path) exists and is not empty: choose another --path")
        }
        var dependency = PackageTemplate.Dependency.release
        if let runtimePath {
            let checkout = URL(fileURLWithPath: runtimePath).standardizedFileURL
            guard files.fileExists(atPath: checkout.appendingPathComponent("Package.swift").path) else {
                throw OperatorError("✘ [ERROR] --runtime-path \(checkout.path) holds no Package.swift")
            }
            dependency = .checkout(checkout.path)
        }
        let template = PackageTemplate(name: name, dependency: dependency)
        for (relativePath, text) in template.files {
            let file = folder.appendingPathComponent(relativePath)
            do {
                try files.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(text.utf8).write(to: file)
            } catch {
                throw OperatorError("✘ [ERROR] cannot write \(file.path): \(error.localizedDescription)")
            }
        }
        print("""
            Created \(name) in \(folder.path) (worker \(template.workerType)). Next:
              cd \(folder.path)
              swift test
              swift run \(name) serve
            """)
    }
}
