import Crypto
import EdgeWorker

/// The console's files, compiled into the binary by `ConsoleAssetsPlugin` (`ConsoleAssets.sources`
/// is generated from `Console/Assets/`). Every file but the page itself is served under
/// `/console/assets/<version>/`, where the version is a digest of all of them: a new build gets new
/// names, so the files may be cached for a year, and the page (revalidated on every load) names
/// the version in its links.
enum ConsoleAssets {
    struct Asset: Sendable {
        let bytes: [UInt8]
        let contentType: String
        /// Quoted: the first 16 hex digits of the body's SHA-256.
        let etag: String

        init(_ text: String, name: String) {
            bytes = Array(text.utf8)
            contentType = ConsoleAssets.contentType(of: name)
            etag = "\"" + String(SHA256.hash(data: bytes).hexString.prefix(16)) + "\""
        }
    }

    /// Sixteen hex digits of the SHA-256 over every file's name and text.
    static let version: String = {
        var hasher = SHA256()
        for (name, text) in sources {
            hasher.update(data: Array(name.utf8) + [0] + Array(text.utf8) + [0])
        }
        return String(hasher.finalize().hexString.prefix(16))
    }()

    /// `index.html`, with `{{version}}` replaced by the version.
    static let page = Asset(sources.first { $0.name == "index.html" }?.text.replacing("{{version}}", with: version) ?? "",
                            name: "index.html")

    /// Every other file, by name.
    static let files: [String: Asset] = Dictionary(uniqueKeysWithValues: sources.filter { $0.name != "index.html" }.map {
        ($0.name, Asset($0.text, name: $0.name))
    })

    static func contentType(of name: String) -> String {
        if name.hasSuffix(".js") { return "text/javascript; charset=utf-8" }
        if name.hasSuffix(".css") { return "text/css; charset=utf-8" }
        if name.hasSuffix(".svg") { return "image/svg+xml" }
        return "text/html; charset=utf-8"
    }

    /// On every console answer. Scripts and styles only from this origin and never inline; nothing
    /// may frame the console (clickjacking a flag switch).
    static let contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func headers(for asset: Asset, cacheControl: String) -> Headers {
        ["Content-Type": asset.contentType, "Cache-Control": cacheControl, "ETag": asset.etag,
         "Content-Security-Policy": contentSecurityPolicy, "X-Content-Type-Options": "nosniff",
         "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"]
    }
}
