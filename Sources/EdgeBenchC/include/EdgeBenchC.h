#ifndef EDGE_BENCH_C_H
#define EDGE_BENCH_C_H
#include <stddef.h>

/// The floor EdgeKV's `get` is measured against: raw C `mdb_get` of the same keys in the same
/// store, inside one read transaction, touching every value. Returns nanoseconds per get, or a
/// negative LMDB error code.
double edge_bench_mdb_get(const char *path, const char *database, const char *const *keys,
                          const size_t *key_lengths, size_t key_count, long iterations);

/// Bytes of the heap in use (glibc's `mallinfo2().uordblks`): what the compiled project holds is the
/// difference across its compile.
size_t edge_bench_heap_in_use(void);

/// Calls of the malloc family so far in this process (edgebench counts them; see bench.c).
unsigned long edge_bench_allocations(void);

#endif
