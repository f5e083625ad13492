import EdgeWorker

/// The console's page and files (`ConsoleAssets`): the page is revalidated on every load (`no-cache`
/// with its `ETag`), the files under their version are cached for a year.
enum ConsolePages {
    static let immutable = "public, max-age=31536000, immutable"

    static func redirect(_ call: PublicCall) async throws(APIError) -> Response {
        Response(status: 302, headers: ["Location": "/console/", "Cache-Control": "no-cache"], bytes: [])
    }

    static func index(_ call: PublicCall) async throws(APIError) -> Response {
        Response(status: 200, headers: ConsoleAssets.headers(for: ConsoleAssets.page, cacheControl: "no-cache"),
                 bytes: ConsoleAssets.page.bytes)
    }

    /// A file of this build's version; any other version (an old page after an upgrade) is a 404.
    static func asset(_ call: PublicCall) async throws(APIError) -> Response {
        guard call.parameter("version") == ConsoleAssets.version, let asset = ConsoleAssets.files[call.parameter("file")] else {
            throw .notFound("No such console asset")
        }
        return Response(status: 200, headers: ConsoleAssets.headers(for: asset, cacheControl: immutable), bytes: asset.bytes)
    }
}
