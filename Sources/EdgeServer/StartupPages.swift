import EdgePlatform
#if canImport(Glibc)
import Glibc
#endif

/// Gives back the executable's pages that only start-up (or a rare event) reads: the dynamic
/// relocations the loader applied before `main` (2.6 MB in a release build), the dynamic symbol
/// tables (read again only by a later `dlsym`) and the unwind tables (read only to unwind a stack:
/// a C++ exception, a crash report). They are clean pages of a read-only mapping of the file, so
/// `MADV_DONTNEED` drops them from the resident set and nothing is lost: a later read faults them
/// in from the page cache or the file. `serve` calls this once it is listening.
public enum StartupPages {
    static let sections: Set<String> = [
        ".rela.dyn", ".dynsym", ".dynstr", ".gnu.hash", ".gnu.version", ".eh_frame", ".eh_frame_hdr", ".gcc_except_table",
    ]

    /// Bytes given back (0 where this is not a Linux ELF executable, or nothing qualified).
    @discardableResult
    public static func release() -> Int {
        #if os(Linux)
        guard let executable = ProcessFacts.executablePath(), let (positionIndependent, ranges) = sectionRanges(executable),
              let mappings = ProcessMappings.of(executable), let first = mappings.first(where: { $0.offset == 0 }) else {
            return 0
        }
        // Section addresses are relative to the load address in a position-independent executable.
        let base = positionIndependent ? first.start : 0
        let page = PageAdvice.pageSize
        var released = 0
        for range in ranges {
            // Whole pages inside the section, in a mapping that is not writable (so never modified).
            let start = (base + range.address + page - 1) / page * page
            let end = (base + range.address + range.size) / page * page
            guard end > start, mappings.contains(where: { !$0.writable && $0.start <= start && end <= $0.end }),
                  let pointer = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            if PageAdvice.release(pointer, length: end - start) { released += end - start }
        }
        return released
        #else
        return 0
        #endif
    }

    /// Whether the file is position-independent, and the (virtual address, size) of each section in
    /// `sections`, from the ELF64 headers.
    static func sectionRanges(_ path: String) -> (Bool, [(address: Int, size: Int)])? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        func read(_ count: Int, at offset: Int) -> [UInt8]? {
            var bytes = [UInt8](repeating: 0, count: count)
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, count, off_t(offset)) }
            return got == count ? bytes : nil
        }
        func integer(_ bytes: [UInt8], _ at: Int, _ width: Int) -> Int {
            var value = 0
            for i in 0..<width { value |= Int(bytes[at + i]) << (8 * i) }
            return value
        }
        // ELF64, little-endian.
        guard let header = read(64, at: 0), header[0...3] == [0x7F, 0x45, 0x4C, 0x46], header[4] == 2, header[5] == 1 else {
            return nil
        }
        let sectionsAt = integer(header, 0x28, 8), entrySize = integer(header, 0x3A, 2)
        let count = integer(header, 0x3C, 2), namesIndex = integer(header, 0x3E, 2)
        guard entrySize >= 64, count > 0, count < 4096, namesIndex < count,
              let table = read(entrySize * count, at: sectionsAt) else { return nil }
        let namesHeader = namesIndex * entrySize
        guard let names = read(integer(table, namesHeader + 0x20, 8), at: integer(table, namesHeader + 0x18, 8)) else {
            return nil
        }
        var ranges: [(address: Int, size: Int)] = []
        for index in 0..<count {
            let at = index * entrySize
            let nameStart = integer(table, at, 4)
            guard nameStart < names.count else { continue }
            let nameEnd = names[nameStart...].firstIndex(of: 0) ?? names.count
            let name = String(decoding: names[nameStart..<nameEnd], as: UTF8.self)
            let address = integer(table, at + 0x10, 8), size = integer(table, at + 0x20, 8)
            if sections.contains(name), address > 0, size > 0 { ranges.append((address, size)) }
        }
        return (integer(header, 0x10, 2) == 3, ranges)  // e_type ET_DYN
    }
}
