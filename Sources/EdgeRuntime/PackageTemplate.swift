/// The files `init` writes, as text: a package with one worker on this runtime. They live here as
/// string literals so that the command needs nothing beside the binary.
struct PackageTemplate {
    /// Where the new package gets the runtime from.
    enum Dependency {
        /// This package by its URL and the version of this runtime.
        case release
        /// A local checkout (its folder's name is then the package's identity in SwiftPM).
        case checkout(String)
    }

    /// This package's canonical URL and the version `init` depends on.
    static let runtimeURL = "https://github.com/edgeworker/edgeworker.git"
    static let runtimeVersion = "0.1.0"

    let name: String
    let dependency: Dependency

    /// `hello-worker` → `HelloWorker`: the worker's type and the test suite's prefix.
    var typePrefix: String {
        let words = name.split(whereSeparator: { $0 == "-" || $0 == "_" })
        return words.map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    var workerType: String { typePrefix.hasSuffix("Worker") ? typePrefix : typePrefix + "Worker" }

    /// The executable target's module name, as SwiftPM derives it (`hello-worker` → `hello_worker`).
    var moduleName: String { String(name.map { $0 == "-" ? "_" : $0 }) }

    var packageLine: String {
        switch dependency {
        case .release: return #".package(url: "\#(Self.runtimeURL)", from: "\#(Self.runtimeVersion)")"#
        case .checkout(let path): return #".package(path: "\#(path)")"#
        }
    }

    /// SwiftPM names a package dependency by its identity: the URL's or the folder's last component.
    var packageIdentity: String {
        switch dependency {
        case .release: return "edgeworker"
        case .checkout(let path): return String(path.split(separator: "/").last ?? "edgeworker")
        }
    }

    var files: [(path: String, text: String)] {
        [
            ("Package.swift", packageManifest),
            ("Sources/\(name)/main.swift", mainFile),
            ("Sources/\(name)/\(workerType).swift", workerFile),
            ("Tests/\(typePrefix)Tests/\(workerType)Tests.swift", testFile),
            ("wrangler-like.toml", config),
            ("public/about.html", aboutPage),
            ("README.md", readme),
            (".gitignore", gitignore),
        ]
    }

    var packageManifest: String {
        """
        // swift-tools-version:6.0
        import PackageDescription

        let package = Package(
            name: "\(name)",
            platforms: [.macOS(.v15)],
            dependencies: [
                \(packageLine),
            ],
            targets: [
                // The executable: the worker, and the runtime's command line around it.
                .executableTarget(name: "\(name)", dependencies: [
                    .product(name: "EdgeRuntime", package: "\(packageIdentity)"),
                    .product(name: "EdgeWorker", package: "\(packageIdentity)"),
                ]),
                // The worker in-process, without a socket (WorkerHarness).
                .testTarget(name: "\(typePrefix)Tests", dependencies: [
                    "\(name)",
                    .product(name: "EdgeWorker", package: "\(packageIdentity)"),
                ]),
            ]
        )

        """
    }

    var mainFile: String {
        """
        import EdgeRuntime

        // The workers wrangler-like.toml may name (`main`, `routes`), then the runtime's whole
        // command line: serve, kv …, snapshot …, replica ….
        await Runtime(name: "\(name)", workers: ["\(workerType)": \(workerType)()]).main()

        """
    }

    var workerFile: String {
        """
        import EdgeJSON
        import EdgeKV
        import EdgeWorker

        /// \(name)'s worker: a greeting from `[vars]` and a counter kept in KV.
        struct \(workerType): Worker {
            enum Route: Sendable {
                case hello
                case count
            }

            /// Built once: routes are matched without allocating per request.
            static let router: Router<Route> = {
                var router = Router<Route>()
                router.add("GET", "/", .hello)
                router.add("POST", "/counter", .count)
                return router
            }()

            func fetch(_ request: Request, env: Env, ctx: ExecutionContext) async throws -> Response {
                switch Self.router.match(method: request.method, path: request.path) {
                case .notFound:
                    return .json(["error": "Not found"], status: 404)
                case .methodNotAllowed(let allowed):
                    return .json(["error": "Method not allowed"], status: 405,
                                 headers: ["Allow": allowed.joined(separator: ", ")])
                case .found(.hello, _):
                    let greeting = env.setting("GREETING") ?? "Hello"
                    return .text("\\(greeting) from \(name)!\\n")
                case .found(.count, _):
                    // The COUNTER binding of wrangler-like.toml. A read then a write: two requests at the
                    // same instant may both count once (KV is last-write-wins, as on Workers).
                    guard let counter = env.kv["COUNTER"] else {
                        return .json(["error": "no COUNTER namespace is bound"], status: 500)
                    }
                    let count = (try counter.getText("count").flatMap { Int($0) } ?? 0) + 1
                    try await counter.put("count", String(count))
                    return .json(["count": .number(Double(count))])
                }
            }
        }

        """
    }

    var testFile: String {
        """
        import EdgeJSON
        import EdgeWorker
        import Testing
        @testable import \(moduleName)

        /// The worker in-process: a store in a temporary folder, no socket.
        @Suite struct \(workerType)Tests {
            @Test func greetsWithTheConfiguredGreeting() async throws {
                let harness = try WorkerHarness(worker: \(workerType)(), namespaces: ["COUNTER"], vars: ["GREETING": "Hi"])
                let response = await harness.dispatch("GET", "/")
                #expect(response.status == 200)
                #expect(response.bodyText == "Hi from \(name)!\\n")
            }

            @Test func counterCountsInKV() async throws {
                let harness = try WorkerHarness(worker: \(workerType)(), namespaces: ["COUNTER"])
                for expected in 1...3 {
                    let response = await harness.dispatch("POST", "/counter")
                    #expect(response.status == 200)
                    #expect(try response.bodyText.map { try JSONValue.parse($0) }?["count"]?.doubleValue == Double(expected))
                }
                #expect(try harness.env.kv["COUNTER"]?.getText("count") == "3")
            }

            @Test func unknownPathIs404AndWrongMethodIs405() async throws {
                let harness = try WorkerHarness(worker: \(workerType)(), namespaces: ["COUNTER"])
                #expect(await harness.dispatch("GET", "/nothing-here").status == 404)
                let wrongMethod = await harness.dispatch("GET", "/counter")
                #expect(wrongMethod.status == 405)
                #expect(wrongMethod.headers["Allow"] == "POST")
            }
        }

        """
    }

    var config: String {
        """
        # Read by `swift run \(name) <command>`: the same schema as wrangler.toml where the concept exists.
        name = "\(name)"
        main = "\(workerType)"
        compatibility_date = "2026-12-01"

        kv_namespaces = [
          { binding = "COUNTER", id = "counter" },
        ]

        # Files served before the worker (GET /about.html), like Workers' static assets.
        [assets]
        directory = "public"

        [vars]
        GREETING = "Hello"

        # Where and how the runner listens; the LMDB store lives in kv-namespaces/ by default.
        [server]
        ip = "127.0.0.1"
        port = 8787

        """
    }

    var aboutPage: String {
        """
        <!doctype html>
        <html lang="en">
        <head><meta charset="utf-8"><title>\(name)</title></head>
        <body><h1>\(name)</h1><p>A static asset, served before the worker.</p></body>
        </html>

        """
    }

    var readme: String {
        """
        # \(name)

        A worker on [edgeworker](\(Self.runtimeURL)), a Cloudflare-Workers-style runtime for Swift
        with Workers KV on LMDB.

        ```sh
        swift test                      # the worker in-process, through WorkerHarness
        swift run \(name) serve          # http://127.0.0.1:8787 (wrangler-like.toml)
        curl -s localhost:8787/
        curl -s -X POST localhost:8787/counter
        curl -s localhost:8787/about.html
        swift run \(name) kv key get count --binding COUNTER
        swift run \(name) snapshot create backup.mdb
        ```

        - `Sources/\(name)/\(workerType).swift` — the worker: its routes and the KV counter.
        - `Sources/\(name)/main.swift` — registers the worker; the runtime gives the command line
          (`serve`, `kv`, `snapshot`, `replica`; `--help` lists them).
        - `wrangler-like.toml` — `main`, KV bindings, `[vars]`, `[assets]`, `[triggers] crons`, `[server]`.
          Secrets go in `.dev.vars` (never committed).
        - `Tests/` — Swift Testing against the worker in-process.

        """
    }

    var gitignore: String {
        """
        .build/
        .swiftpm/
        kv-namespaces/
        .dev.vars
        *.mdb

        """
    }
}
