// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "edgeworker",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "edgeworker", targets: ["edgeworker"]),
        // The Worker model, for an application's workers and their tests: Worker, Request, Response,
        // Headers, Env, ExecutionContext, Router, WorkerHarness, with the KV namespaces and JSON
        // values they hand out.
        .library(name: "EdgeWorker", targets: ["EdgeWorker", "EdgeKV", "EdgeJSON"]),
        // The command line as a library: an application registers its workers and calls `main`.
        .library(name: "EdgeRuntime", targets: ["EdgeRuntime"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        // `/metrics`: the runtime and the worker count through swift-metrics' API; swift-prometheus
        // is its backend and writes the Prometheus text format.
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // `scripts/docs`: the DocC catalogs, built and checked for warnings.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // liblmdb from Debian (apt `liblmdb-dev`, 0.9.24).
        .systemLibrary(name: "CLMDB", pkgConfig: "lmdb", providers: [.apt(["liblmdb-dev"])]),
        // JSON values, a strict parser and a fast writer; shared by every layer, imports nothing.
        .target(name: "EdgeJSON"),
        // Linux process facts and page advice: /proc mappings, madvise, heap trimming, monotonic time.
        .target(name: "EdgePlatform"),
        .target(name: "EdgeKV", dependencies: [
            "CLMDB", "EdgeJSON", "EdgePlatform",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        .target(name: "EdgeWorker", dependencies: [
            "EdgeKV", "EdgeJSON",
            .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .target(name: "EdgeServer", dependencies: [
            "EdgeWorker", "EdgeKV", "EdgeJSON", "EdgePlatform",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            // The worker's outbound `fetch`, on the event loops the runner already has.
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Origin → replica: the /__edge/ endpoints (a Worker) and the replica follower.
        .target(name: "EdgeReplication", dependencies: [
            "EdgeKV", "EdgeWorker", "EdgeJSON",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            // The change feed's long polls and the streamed snapshot download.
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ]),
        // The runtime entry point: serve, kv, snapshot, replica and init for any registered workers.
        .target(name: "EdgeRuntime", dependencies: [
            "EdgeKV", "EdgeJSON", "EdgePlatform", "EdgeWorker", "EdgeServer", "EdgeReplication",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        // This project's executable: the runtime with the flag service (and its `token` commands).
        .executableTarget(name: "edgeworker", dependencies: [
            "EdgeRuntime", "EdgeWorker", "EdgeJSON", "FlagsWorker",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        // Benchmarks only: a raw C `mdb_get` loop, the floor EdgeKV is compared against.
        .target(name: "EdgeBenchC", dependencies: ["CLMDB"]),
        .executableTarget(name: "edgebench", dependencies: [
            "EdgeKV", "EdgeBenchC", "FlagEngine", "EdgeJSON", "EdgeWorker", "FlagsWorker",
            // `edgebench worker --metrics`: the cost of counting into the Prometheus backend.
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // The evaluation engine: pure, no I/O.
        .target(name: "FlagEngine", dependencies: ["EdgeJSON"]),
        // The flag service: three dialects (EdgeFlags, FeatureSignals, OFREP) and the console over KV, on the engine.
        .target(name: "FlagsWorker", dependencies: [
            "EdgeWorker", "EdgeKV", "EdgeJSON", "EdgePlatform", "FlagEngine",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CryptoExtras", package: "swift-crypto"),
            .product(name: "JWTKit", package: "jwt-kit"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
        ],
        // The console's HTML, CSS and ES modules, compiled into the binary by the plugin below.
        exclude: ["Console/Assets"], plugins: ["ConsoleAssetsPlugin"]),
        // Build time only: the console's asset files → one Swift source of string literals.
        .executableTarget(name: "ConsoleAssetCompiler"),
        .plugin(name: "ConsoleAssetsPlugin", capability: .buildTool(), dependencies: ["ConsoleAssetCompiler"],
                path: "Sources/ConsoleAssetsPlugin"),
        .testTarget(name: "EdgeJSONTests", dependencies: ["EdgeJSON"]),
        .testTarget(name: "FlagEngineTests", dependencies: ["FlagEngine", "EdgeJSON"]),
        .testTarget(name: "EdgeKVTests", dependencies: ["EdgeKV", "EdgeJSON", "EdgePlatform"]),
        .testTarget(name: "FlagsWorkerTests", dependencies: [
            "FlagsWorker", "EdgeWorker", "EdgeKV", "EdgeJSON", "FlagEngine",
            "EdgeServer",  // the runner's outbound fetch, against a real webhook receiver
            .product(name: "Crypto", package: "swift-crypto"),  // forging JWTs for the attack tests
        ],
        // Fixtures/store.json: a store written by the old code path (`scripts/fixture-store`).
        resources: [.copy("Fixtures")]),
        .testTarget(name: "EdgeWorkerTests", dependencies: ["EdgeWorker", "EdgeKV", "EdgeJSON"]),
        .testTarget(name: "EdgeRuntimeTests", dependencies: ["EdgeRuntime", "EdgeWorker"]),
        .testTarget(name: "EdgeReplicationTests", dependencies: [
            "EdgeReplication", "EdgeWorker", "EdgeKV", "EdgeJSON", "EdgeServer",
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .testTarget(name: "EdgeServerTests", dependencies: [
            "EdgeServer", "EdgeWorker", "EdgeJSON",
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ]),
        // Start the real binary on loopback ports: CLI round trips, serve and SIGTERM, the crash test.
        // Resources/: the Python SDK client and the schemathesis configuration the tests run.
        .testTarget(name: "EndToEndTests", dependencies: ["EdgeKV", "EdgeJSON"], exclude: ["Resources"]),
    ]
)
