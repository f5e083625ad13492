import Foundation
import PackagePlugin

/// Turns the console's files (`Sources/FlagsWorker/Console/Assets`) into one Swift source of string
/// literals at build time, so that the binary carries the console and `scripts/serve` needs nothing
/// beside it. The files stay plain HTML, CSS and ES modules that an editor and a browser read as
/// they are; only this step knows they end up in Swift.
@main
struct ConsoleAssetsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        // `directoryURL` needs tools version 6.1; the package declares 6.0.
        let folder = URL(fileURLWithPath: target.directory.string).appending(path: "Console/Assets")
        let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
            .filter { !$0.hasDirectoryPath && !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appending(path: "ConsoleAssetSources.swift")
        return [.buildCommand(displayName: "Embedding the console's \(files.count) assets",
                              executable: try context.tool(named: "ConsoleAssetCompiler").url,
                              arguments: [output.path] + files.map(\.path),
                              inputFiles: files, outputFiles: [output])]
    }
}
