/// Why a value was served; one vocabulary for both dialects, each maps it to its own words.
///
/// | reason | EdgeFlags | FeatureSignals |
/// |---|---|---|
/// | `notFound` | (404) | `NOT_FOUND` |
/// | `disabled`, `scheduledOff` | `disabled` | `DISABLED` |
/// | `mutuallyExcluded` | — | `MUTUALLY_EXCLUDED` |
/// | `prerequisiteFailed` | — | `PREREQUISITE_FAILED` |
/// | `environmentOverride` | `environment_override` | — |
/// | `override` | `override` | — |
/// | `targeted` | `targeting` | `TARGETED` |
/// | `ruleRollout`, `rollout` | `rollout` | `ROLLOUT` |
/// | `variant` | — | `VARIANT` |
/// | `fallthrough` | `default` | `FALLTHROUGH` |
public enum Reason: String, Sendable, Hashable, CaseIterable {
    case notFound
    /// The master switch is off (or no state exists in the environment).
    case disabled
    /// Outside `activeFrom`/`activeUntil`, past `expiresAt`, or switched off by a passed schedule.
    case scheduledOff
    case mutuallyExcluded
    case prerequisiteFailed
    /// An environment entry's fixed `value`.
    case environmentOverride
    /// The base settings' fixed `value`.
    case override
    /// A rule matched and serves everyone it matches.
    case targeted
    /// A rule matched and the bucket fell inside its percentage.
    case ruleRollout
    /// Inside the flag-level rollout.
    case rollout
    case variant
    /// Nothing applied (or outside the rollout): the default.
    case `fallthrough`
}
