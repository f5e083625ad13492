/// Test support shared by every suite. `EdgeFlagsRecords.swift` and `FeatureSignalsRecords.swift` hold
/// reference translations of each dialect's stored records into the engine's model, written the way
/// the FlagsWorker translators are meant to be, so that tests feed spec-shaped JSON and read like the specs.
struct FixtureError: Error, CustomStringConvertible {
    var description: String
}

/// A fixed clock for tests: 2026-01-15T10:30:00Z.
let now: Double = 1_768_473_000
