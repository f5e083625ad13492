@testable import EdgeServer
import Glibc
import Testing

@Suite("Start-up pages given back")
struct StartupPagesTests {
    @Test func theLoadersTablesAreFoundInTheExecutable() throws {
        let (positionIndependent, ranges) = try #require(StartupPages.sectionRanges("/proc/self/exe"))
        #expect(positionIndependent)
        #expect(ranges.count >= 3)  // .rela.dyn, .dynsym, .dynstr at least
        #expect(ranges.allSatisfy { $0.address > 0 && $0.size > 0 })
        #expect(StartupPages.sectionRanges("/etc/hostname") == nil)  // not an ELF file
    }

    @Test func givenBackPagesAreReadAgainWhenNeeded() throws {
        #expect(StartupPages.release() > 0)
        // Symbol lookup reads the dynamic symbol tables again, from the file.
        #expect(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") != nil)
        #expect(dlsym(UnsafeMutableRawPointer(bitPattern: 0), "no_such_symbol_here") == nil)
        #expect(StartupPages.release() > 0)  // idempotent: the same ranges, harmless twice
    }
}
