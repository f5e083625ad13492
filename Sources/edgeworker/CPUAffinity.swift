import Foundation

/// The number of CPUs in this process's affinity mask (`taskset`, `cpuset`), from the
/// `Cpus_allowed` hex mask of `/proc/self/status`; nil where that file does not exist.
func allowedCPUCount() -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed:") {
        let mask = line.dropFirst("Cpus_allowed:".count)
        let count = mask.reduce(0) { total, character in
            total + (character.hexDigitValue?.nonzeroBitCount ?? 0)
        }
        return count > 0 ? count : nil
    }
    return nil
}
