import Foundation
import Testing
@testable import EdgeWorker

/// The worker behind the files: says which requests reached it.
private struct BehindTheFiles: Worker {
    func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        .text("worker: \(request.method) \(request.path)", status: 404)
    }
}

/// A folder of assets, and a secret beside it that no path may reach.
private final class AssetFolder {
    let root: String
    let directory: String

    init() throws {
        root = NSTemporaryDirectory() + "edgeworker-assets-\(UUID().uuidString)"
        directory = root + "/public"
        let files = FileManager.default
        try files.createDirectory(atPath: directory + "/docs", withIntermediateDirectories: true)
        try Data("<h1>about</h1>".utf8).write(to: URL(fileURLWithPath: directory + "/about.html"))
        try Data("body{}".utf8).write(to: URL(fileURLWithPath: directory + "/style.css"))
        try Data("docs index".utf8).write(to: URL(fileURLWithPath: directory + "/docs/index.html"))
        try Data("hidden".utf8).write(to: URL(fileURLWithPath: directory + "/.env"))
        try Data("secret".utf8).write(to: URL(fileURLWithPath: root + "/secret.txt"))
        try files.createSymbolicLink(atPath: directory + "/escape.txt", withDestinationPath: root + "/secret.txt")
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }
}

@Suite("StaticAssets: [assets] served before the worker")
struct StaticAssetsTests {
    @Test func aFileIsServedWithItsTypeAndAnETagThatAnswers304() async throws {
        let folder = try AssetFolder()
        let harness = try WorkerHarness(worker: StaticAssets(directory: folder.directory, worker: BehindTheFiles()))
        let page = await harness.dispatch("GET", "/about.html")
        #expect(page.status == 200)
        #expect(page.bodyText == "<h1>about</h1>")
        #expect(page.headers["Content-Type"] == "text/html; charset=utf-8")
        let etag = try #require(page.headers["ETag"])
        #expect(etag.hasPrefix("\"") && etag.hasSuffix("\""))
        #expect(await harness.dispatch("GET", "/style.css").headers["Content-Type"] == "text/css; charset=utf-8")

        let revalidated = await harness.dispatch("GET", "/about.html", headers: ["If-None-Match": etag])
        #expect(revalidated.status == 304)
        #expect(revalidated.bodyBytes == [])
        #expect(revalidated.headers["ETag"] == etag)
        #expect(await harness.dispatch("GET", "/about.html", headers: ["If-None-Match": "\"other\""]).status == 200)
    }

    @Test func headGetsTheFieldsOfGet() async throws {
        let folder = try AssetFolder()
        let harness = try WorkerHarness(worker: StaticAssets(directory: folder.directory, worker: BehindTheFiles()))
        let head = await harness.dispatch("HEAD", "/about.html")
        #expect(head.status == 200)
        #expect(head.headers["ETag"] == (await harness.dispatch("GET", "/about.html")).headers["ETag"])
    }

    @Test func aFolderPathServesItsIndex() async throws {
        let folder = try AssetFolder()
        let harness = try WorkerHarness(worker: StaticAssets(directory: folder.directory, worker: BehindTheFiles()))
        #expect(await harness.dispatch("GET", "/docs/").bodyText == "docs index")
        // Without the slash it is a folder, not a file: the worker answers.
        #expect(await harness.dispatch("GET", "/docs").bodyText == "worker: GET /docs")
    }

    @Test func missingFilesAndOtherMethodsFallThroughToTheWorker() async throws {
        let folder = try AssetFolder()
        let harness = try WorkerHarness(worker: StaticAssets(directory: folder.directory, worker: BehindTheFiles()))
        #expect(await harness.dispatch("GET", "/nope.html").bodyText == "worker: GET /nope.html")
        #expect(await harness.dispatch("POST", "/about.html").bodyText == "worker: POST /about.html")
    }

    @Test(arguments: ["/../secret.txt", "/%2e%2e/secret.txt", "/docs/../../secret.txt", "/escape.txt", "/.env",
                      "/about.html%00", "/..%5csecret.txt", "//about.html", "/./about.html"])
    func nothingOutsideTheFolderOrHiddenIsServed(path: String) async throws {
        let folder = try AssetFolder()
        let harness = try WorkerHarness(worker: StaticAssets(directory: folder.directory, worker: BehindTheFiles()))
        let response = await harness.dispatch("GET", path)
        #expect(response.bodyText?.hasPrefix("worker: ") == true)
    }
}
