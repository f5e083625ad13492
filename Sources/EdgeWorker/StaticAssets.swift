import Foundation

/// Serves the files of `[assets] directory` before the worker, as Workers' static assets do: a
/// `GET` or `HEAD` whose path names a file there gets it (with `ETag`, `Content-Type` and a 304
/// for a matching `If-None-Match`); any other request — another method, a path with no file — goes
/// to the worker untouched. A path ending in `/` serves that folder's `index.html`.
///
/// Nothing outside the folder is ever served: a path with `..`, `.` or an empty segment, a
/// backslash or a NUL, a hidden file (`.env`, `.git/…`), or a symbolic link leading out of the
/// folder goes to the worker as if no file matched. Files are read at each request, so editing
/// them needs no restart.
public struct StaticAssets: Worker {
    /// The folder, with symbolic links resolved (what every served path must stay inside).
    public let directory: String
    /// The worker for every request no file answers.
    public let worker: any Worker

    /// - Parameters:
    ///   - directory: the folder of files to serve.
    ///   - worker: the worker behind the files.
    public init(directory: String, worker: any Worker) {
        self.directory = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        self.worker = worker
    }

    /// A file when the path names one, else the worker's answer.
    public func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
        if let response = asset(for: request) { return response }
        return try await worker.fetch(request, env: env, ctx: ctx)
    }

    /// Files are never answered here: reading one is I/O, which `fetch` does off the hot path.
    public func immediateResponse(to request: Request, env: Env, ctx: ExecutionContext) -> Response? {
        if request.method == "GET" || request.method == "HEAD", file(for: request.path) != nil { return nil }
        return worker.immediateResponse(to: request, env: env, ctx: ctx)
    }

    /// Cron triggers are the worker's.
    public func scheduled(_ event: ScheduledEvent, env: Env, ctx: ExecutionContext) async throws {
        try await worker.scheduled(event, env: env, ctx: ctx)
    }

    /// Prepares the worker.
    public func prepare(env: Env) async throws {
        try await worker.prepare(env: env)
    }

    /// The worker's error shape.
    public func runnerErrorBody(status: Int, code: String, message: String, requestID: String?) -> [UInt8] {
        worker.runnerErrorBody(status: status, code: code, message: message, requestID: requestID)
    }

    /// The file's response, or nil when the worker should answer.
    func asset(for request: Request) -> Response? {
        guard request.method == "GET" || request.method == "HEAD", let path = file(for: request.path),
              let data = FileManager.default.contents(atPath: path) else { return nil }
        let bytes = [UInt8](data)
        let etag = "\"\(String(Self.fnv1a(bytes), radix: 16))\""
        var headers: Headers = ["ETag": etag, "Content-Type": Self.contentType(of: path),
                                "Cache-Control": "public, max-age=0, must-revalidate"]
        if let match = request.headers["If-None-Match"],
           match.split(separator: ",").contains(where: { [etag, "*"].contains($0.trimmingCharacters(in: .whitespaces)) }) {
            headers["Content-Type"] = nil
            return Response(status: 304, headers: headers)
        }
        // For HEAD the runner sends the fields (the length included) and drops the body.
        return Response(status: 200, headers: headers, bytes: bytes)
    }

    /// The regular file inside `directory` that `path` names, if any.
    func file(for path: Substring) -> String? {
        guard let decoded = PercentDecoding.decode(path, plusAsSpace: false), decoded.hasPrefix("/") else { return nil }
        var segments = decoded.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        let wantsIndex = segments.last == ""
        if wantsIndex { segments = segments.dropLast() }
        for segment in segments {
            guard !segment.isEmpty, !segment.hasPrefix("."), !segment.contains("\\"), !segment.contains("\0") else {
                return nil
            }
        }
        var candidate = directory
        for segment in segments { candidate += "/" + segment }
        if wantsIndex { candidate += "/index.html" }
        // A symbolic link may still lead out of the folder: judge the path it resolves to.
        let resolved = URL(fileURLWithPath: candidate).resolvingSymlinksInPath().path
        guard resolved.hasPrefix(directory + "/") else { return nil }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resolved, isDirectory: &isDirectory), !isDirectory.boolValue else {
            return nil
        }
        return resolved
    }

    /// A strong validator from the bytes themselves (FNV-1a, 64 bits): the same file gives the same
    /// ETag on every node and after every restart.
    static func fnv1a(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    static let contentTypes: [String: String] = [
        "html": "text/html; charset=utf-8", "htm": "text/html; charset=utf-8", "css": "text/css; charset=utf-8",
        "js": "text/javascript; charset=utf-8", "mjs": "text/javascript; charset=utf-8",
        "json": "application/json", "map": "application/json", "txt": "text/plain; charset=utf-8",
        "md": "text/markdown; charset=utf-8", "xml": "application/xml", "svg": "image/svg+xml",
        "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif", "webp": "image/webp",
        "avif": "image/avif", "ico": "image/x-icon", "wasm": "application/wasm", "pdf": "application/pdf",
        "woff": "font/woff", "woff2": "font/woff2", "webmanifest": "application/manifest+json",
    ]

    static func contentType(of path: String) -> String {
        let ext = URL(fileURLWithPath: path).pathExtension.lowercased()
        return contentTypes[ext] ?? "application/octet-stream"
    }
}
