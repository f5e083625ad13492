#if canImport(Glibc)
import Glibc
#endif

/// This process's memory mappings of one file, from /proc/self/maps (Linux; nil elsewhere).
public enum ProcessMappings {
    public struct Mapping: Sendable {
        public var start: Int
        public var end: Int
        public var offset: Int
        public var writable: Bool
    }

    /// The mappings of `path` (as the kernel names it: the real path), or nil when there are none.
    public static func of(_ path: String) -> [Mapping]? {
        guard let file = fopen("/proc/self/maps", "r") else { return nil }
        defer { fclose(file) }
        var out: [Mapping] = []
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let fields = String(cString: line).split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[5].hasSuffix("\n") ? fields[5].dropLast() == path : fields[5] == path else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = Int(bounds[0], radix: 16), let end = Int(bounds[1], radix: 16),
                  let offset = Int(fields[2], radix: 16) else { continue }
            out.append(Mapping(start: start, end: end, offset: offset, writable: fields[1].contains("w")))
        }
        return out.isEmpty ? nil : out
    }

    /// The real path of `path` (symbolic links resolved), or nil when it does not exist.
    public static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
