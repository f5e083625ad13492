#if canImport(Glibc)
import Glibc
#endif

/// Facts about this process that Linux keeps under `/proc/self`.
public enum ProcessFacts {
    /// The number of CPUs in this process's affinity mask (`taskset`, `cpuset`), from the
    /// `Cpus_allowed` hex mask of `/proc/self/status`; nil where that file does not exist.
    public static func allowedCPUCount() -> Int? {
        guard let status = readStatus() else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed:") {
            let mask = line.dropFirst("Cpus_allowed:".count)
            let count = mask.reduce(0) { total, character in
                total + (character.hexDigitValue?.nonzeroBitCount ?? 0)
            }
            return count > 0 ? count : nil
        }
        return nil
    }

    /// The path of the running executable (`/proc/self/exe`).
    public static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func readStatus() -> String? {
        guard let file = fopen("/proc/self/status", "r") else { return nil }
        defer { fclose(file) }
        var text = ""
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line { text += String(cString: line) }
        return text
    }
}
