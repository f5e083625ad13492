import CoreMetrics
import EdgeJSON
import EdgePlatform
import EdgeWorker
import FlagEngine
import Synchronization
import Dispatch
#if canImport(Glibc)
import Glibc
#endif

/// Everything an evaluation of one project reads, compiled once per `FLAGS` change: the ruleset
/// (which also knows each flag's declared type) and the configs with their per-environment values. Flags and segments
/// of both dialects compile into the one ruleset; FeatureSignals states join their flag under the
/// environment's slug.
struct ProjectSnapshot: Sendable {
    struct Config: Sendable {
        var key: String
        var value: JSONValue
        var environments: [String: JSONValue]

        func value(for environment: String?) -> JSONValue {
            environment.flatMap { environments[$0] } ?? value
        }
    }

    private(set) var sequence: UInt64
    let ruleset: Ruleset
    /// Sorted by key.
    let configs: [Config]
    let configIndex: [String: Int]
    /// Built without some of the project (records written around the API that do not compile
    /// together): never patched, since a patch would keep what is missing missing.
    var degraded = false
    /// The project's evaluation counters, set by `ProjectCache` and carried by patches.
    var evaluations: EvaluationCounters?

    static func build(project: String, store: RecordStore, sequence: UInt64) throws(APIError) -> ProjectSnapshot {
        var flags: [Flag] = []
        let states = try featureSignalsStates(project: project, store: store)
        try store.forEachRecord(prefix: KeyLayout.flags(project)) { record in
            // Records were validated when written; one that no longer translates is left out rather
            // than taking every other flag down with it.
            guard let flag = Self.flag(record, states: { states[$0] ?? [:] }) else { return }
            flags.append(flag)
        }
        var segments: [Segment] = []
        try store.forEachRecord(prefix: KeyLayout.segments(project)) { record in
            if let segment = FeatureSignalsModel.anySegment(record) { segments.append(segment) }
        }
        let configs = try store.records(ConfigRecord.self, prefix: KeyLayout.configs(project)).map(Self.config)
        let whole = try? Ruleset(flags: flags, segments: segments)
        var snapshot = ProjectSnapshot(sequence: sequence, ruleset: whole ?? Self.bestEffort(flags: flags, segments: segments),
                                       configs: configs, configIndex: Self.index(configs))
        snapshot.degraded = whole == nil
        return snapshot
    }

    /// `previous` after a change of `keys` (`FLAGS` keys, from the change log), reading and compiling
    /// only the flags, flag states and configs among them; nil when a segment or environment changed,
    /// when many keys did, or when the engine cannot patch its ruleset: then `build` the project.
    static func patched(_ previous: ProjectSnapshot, changedKeys keys: [String], project: String, store: RecordStore,
                        sequence: UInt64) throws(APIError) -> ProjectSnapshot? {
        let flagPrefix = KeyLayout.flags(project), configPrefix = KeyLayout.configs(project)
        let statePrefix = KeyLayout.flagStates(project)
        var flagKeys = Set<String>(), configKeys = Set<String>()
        for key in keys where isInput(key, of: project) {
            if key.hasPrefix(flagPrefix) {
                flagKeys.insert(String(key.dropFirst(flagPrefix.count)))
            } else if key.hasPrefix(statePrefix) {
                // `flagstate:<project>:<flag key>:<env id>`: the state's flag is compiled again.
                let rest = key.dropFirst(statePrefix.count)
                guard let colon = rest.lastIndex(of: ":") else { return nil }
                flagKeys.insert(String(rest[..<colon]))
            } else if key.hasPrefix(configPrefix) {
                configKeys.insert(String(key.dropFirst(configPrefix.count)))
            } else {
                return nil
            }
        }
        guard !previous.degraded, flagKeys.count + configKeys.count <= max(64, previous.ruleset.flagCount / 8) else {
            return nil
        }

        var ruleset = previous.ruleset
        if !flagKeys.isEmpty {
            var upserting: [Flag] = []
            var removing = Set<String>()
            for key in flagKeys.sorted() {
                // As in `build`: a record that no longer translates is left out.
                guard let record = try store.get(KeyLayout.flag(project, key)) else {
                    removing.insert(key)
                    continue
                }
                // A storage error reading the states fails the update, as it fails `build`.
                let states = FeatureSignalsModel.isFlag(record)
                    ? try featureSignalsStates(project: project, store: store, flag: key)[key] ?? [:] : [:]
                guard let flag = Self.flag(record, states: { _ in states }) else {
                    removing.insert(key)
                    continue
                }
                // A record whose key is not its name's (written around the API): let `build` decide.
                guard flag.key == key else { return nil }
                upserting.append(flag)
            }
            guard let updated = try? ruleset.updating(upserting, removing: removing) else { return nil }
            ruleset = updated
        }
        var configs = previous.configs
        if !configKeys.isEmpty {
            configs.removeAll { configKeys.contains($0.key) }
            for key in configKeys {
                if let record = try store.get(ConfigRecord.self, KeyLayout.config(project, key)) {
                    configs.append(Self.config(record))
                }
            }
            configs.sort { $0.key < $1.key }
        }
        return ProjectSnapshot(sequence: sequence, ruleset: ruleset, configs: configs,
                               configIndex: configKeys.isEmpty ? previous.configIndex : Self.index(configs))
    }

    private static func config(_ record: ConfigRecord) -> Config {
        Config(key: record.key, value: record.value ?? .null, environments: record.overrides)
    }

    private static func index(_ configs: [Config]) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, config) in configs.enumerated() { index[config.key] = i }
        return index
    }

    /// Whether a `FLAGS` key is something `build` reads for `project`.
    static func isInput(_ key: String, of project: String) -> Bool {
        for prefix in [KeyLayout.flags(project), KeyLayout.segments(project), KeyLayout.configs(project),
                       KeyLayout.flagStates(project), KeyLayout.environments(project)] where key.hasPrefix(prefix) {
            return true
        }
        return false
    }

    /// The same compiled project, valid at a later sequence that changed none of its inputs.
    func relabelled(_ sequence: UInt64) -> ProjectSnapshot {
        var copy = self
        copy.sequence = sequence
        return copy
    }

    /// A stored flag of either dialect compiled (a FeatureSignals one with its states by environment
    /// slug); nil when it does not translate.
    private static func flag(_ record: [String: JSONValue], states: (String) -> [String: FlagStateRecord]) -> Flag? {
        guard FeatureSignalsModel.isFlag(record) else { return EdgeFlagsFlagRecord(json: record).flatMap { try? EdgeFlagsModel.flag($0) } }
        guard let flag = FeatureSignalsFlagRecord(json: record) else { return nil }
        return try? FeatureSignalsModel.flag(flag, states: states(flag.key))
    }

    /// FeatureSignals states of the project: flag key → environment slug → state.
    static func featureSignalsStates(project: String, store: RecordStore, flag: String? = nil) throws(APIError)
        -> [String: [String: FlagStateRecord]]
    {
        var slugs: [String: String] = [:]
        for environment in try store.records(EnvironmentRecord.self, prefix: KeyLayout.environments(project)) {
            slugs[environment.id] = environment.slug
        }
        var out: [String: [String: FlagStateRecord]] = [:]
        let prefix = flag.map { KeyLayout.flagStates(project, $0) } ?? KeyLayout.flagStates(project)
        for state in try store.records(FlagStateRecord.self, prefix: prefix) {
            guard let slug = slugs[state.envID] else { continue }
            out[state.flagKey, default: [:]][slug] = state
        }
        return out
    }

    /// Writes are checked by compiling, so this only runs for data written around the API (the CLI).
    private static func bestEffort(flags: [Flag], segments: [Segment]) -> Ruleset {
        if let ruleset = try? Ruleset(flags: flags, segments: []) { return ruleset }
        return Ruleset()
    }
}

/// Compiled projects by id, each valid for the `FLAGS` sequence it was built at: a change through the
/// API (or by another process, noticed within 250 ms) is seen by the very next request.
///
/// A newer sequence does not always mean a rebuild: the store's change log says which keys changed,
/// and when none of them is one of the project's flags, segments, configs, flag states or
/// environments (an audit entry, a webhook delivery, another project), the compiled project is kept
/// and relabelled. Builds of one project are serialized: requests arriving during a build wait for
/// it and use its result instead of each compiling the same project again.
final class ProjectCache: Sendable {
    /// Past this many changes since a snapshot, rebuilding is cheaper than reading the log.
    static let changeScanLimit = 20_000

    private let snapshots = Mutex<[String: ProjectSnapshot]>([:])
    private let compiles = Atomic<Int>(0)
    private let patches = Atomic<Int>(0)
    /// How many times a project was compiled whole from the store (for tests and metrics).
    var compileCount: Int { compiles.load(ordering: .relaxed) }
    /// How many times a compiled project took a change of some of its flags and configs alone.
    var patchCount: Int { patches.load(ordering: .relaxed) }
    private let builders = Mutex<[String: BuildLock]>([:])
    private let fullCompiles = Counter(label: "edgeworker_flags_compiles_total", dimensions: [("kind", "full")])
    private let patchCompiles = Counter(label: "edgeworker_flags_compiles_total", dimensions: [("kind", "patch")])
    private let compileDuration = Timer(label: "edgeworker_flags_compile_duration_seconds")
    private let compiledProjects = Gauge(label: "edgeworker_flags_compiled_projects")

    func snapshot(project: String, store: RecordStore) throws(APIError) -> ProjectSnapshot {
        let sequence = store.kv.sequence
        if let cached = cached(project), cached.sequence == sequence { return cached }
        let lock = builders.withLock { all in
            if let lock = all[project] { return lock }
            let lock = BuildLock()
            all[project] = lock
            return lock
        }
        return try lock.mutex.withLock { _ throws(APIError) -> ProjectSnapshot in
            // Built by the request this one waited for, or still valid: nothing to do.
            let sequence = store.kv.sequence
            let previous = cached(project)
            if let previous, previous.sequence == sequence { return previous }
            if let previous, let keys = store.kv.keysChanged(after: previous.sequence, limit: Self.changeScanLimit) {
                if !keys.contains(where: { ProjectSnapshot.isInput($0, of: project) }) {
                    let relabelled = previous.relabelled(sequence)
                    keep(relabelled, project)
                    return relabelled
                }
                let patchBegan = MonotonicClock.seconds()
                if var patched = try ProjectSnapshot.patched(previous, changedKeys: keys, project: project, store: store,
                                                             sequence: sequence) {
                    patches.add(1, ordering: .relaxed)
                    patchCompiles.increment()
                    compileDuration.recordSeconds(MonotonicClock.seconds() - patchBegan)
                    patched.evaluations = previous.evaluations
                    keep(patched, project)
                    return patched
                }
            }
            let began = MonotonicClock.seconds()
            var built = try ProjectSnapshot.build(project: project, store: store, sequence: sequence)
            compiles.add(1, ordering: .relaxed)
            fullCompiles.increment()
            compileDuration.recordSeconds(MonotonicClock.seconds() - began)
            built.evaluations = previous?.evaluations ?? EvaluationCounters(project: project)
            keep(built, project)
            // Building parses every record: glibc keeps the freed parse trees' pages otherwise, and
            // the store's pages read once stay mapped.
            if built.ruleset.flagCount >= 1000 {
                let kv = store.kv
                HeapTrim.soon { kv.releaseMappedPages() }
            }
            return built
        }
    }

    /// Compiles every project of the store, for `serve` to run in the background at start: the first
    /// evaluation after a deploy then finds its project compiled (or waits for the build under way).
    func warmUp(store: RecordStore) {
        guard let keys = try? store.keys(prefix: KeyLayout.projects) else { return }
        for key in keys {
            _ = try? snapshot(project: String(key.dropFirst(KeyLayout.projects.count)), store: store)
        }
    }

    private func cached(_ project: String) -> ProjectSnapshot? {
        snapshots.withLock { $0[project] }
    }

    private func keep(_ snapshot: ProjectSnapshot, _ project: String) {
        snapshots.withLock { all in
            // A slower build of an older sequence never replaces a newer one.
            if let existing = all[project], existing.sequence > snapshot.sequence { return }
            all[project] = snapshot
            compiledProjects.record(all.count)
        }
    }

    private final class BuildLock: Sendable {
        let mutex = Mutex<Void>(())
    }
}
