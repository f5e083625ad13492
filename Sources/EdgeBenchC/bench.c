#include <malloc.h>
#include "EdgeBenchC.h"
#include <lmdb.h>
#include <time.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

double edge_bench_mdb_get(const char *path, const char *database, const char *const *keys,
                          const size_t *key_lengths, size_t key_count, long iterations) {
    MDB_env *env = NULL;
    MDB_txn *txn = NULL;
    MDB_dbi dbi;
    int rc = mdb_env_create(&env);
    if (rc) return -rc;
    mdb_env_set_maxdbs(env, 64);
    mdb_env_set_mapsize(env, (size_t)8 << 30);
    if ((rc = mdb_env_open(env, path, MDB_RDONLY | MDB_NOTLS, 0644))) { mdb_env_close(env); return -rc; }
    if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn))) { mdb_env_close(env); return -rc; }
    if ((rc = mdb_dbi_open(txn, database, 0, &dbi))) { mdb_txn_abort(txn); mdb_env_close(env); return -rc; }
    volatile unsigned long sink = 0;
    double start = now_ns();
    for (long i = 0; i < iterations; i++) {
        size_t k = (size_t)i % key_count;
        MDB_val key = { key_lengths[k], (void *)keys[k] };
        MDB_val value;
        if (mdb_get(txn, dbi, &key, &value) == 0) {
            const unsigned char *bytes = value.mv_data;
            sink += value.mv_size + bytes[value.mv_size - 1];
        }
    }
    double elapsed = now_ns() - start;
    mdb_txn_abort(txn);
    mdb_env_close(env);
    (void)sink;
    return elapsed / (double)iterations;
}

size_t edge_bench_heap_in_use(void) {
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd;
}

/* Allocation counting for the benchmarks: this executable replaces glibc's malloc family (as the
 * glibc manual allows, "Replacing malloc") with thin wrappers that count calls and forward to the
 * glibc implementation, so `edgebench` can report allocations per evaluation and per request. */
#include <errno.h>
#include <stdatomic.h>
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t count, size_t size);
extern void *__libc_realloc(void *pointer, size_t size);
extern void *__libc_memalign(size_t alignment, size_t size);
extern void __libc_free(void *pointer);

static atomic_ulong allocations = 0;

static inline void counted(void) { atomic_fetch_add_explicit(&allocations, 1, memory_order_relaxed); }

void *malloc(size_t size) { counted(); return __libc_malloc(size); }
void *calloc(size_t count, size_t size) { counted(); return __libc_calloc(count, size); }
void *realloc(void *pointer, size_t size) { counted(); return __libc_realloc(pointer, size); }
void free(void *pointer) { __libc_free(pointer); }
void *memalign(size_t alignment, size_t size) { counted(); return __libc_memalign(alignment, size); }
void *aligned_alloc(size_t alignment, size_t size) { counted(); return __libc_memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    counted();
    void *pointer = __libc_memalign(alignment, size);
    if (!pointer) return ENOMEM;
    *out = pointer;
    return 0;
}

unsigned long edge_bench_allocations(void) {
    return atomic_load_explicit(&allocations, memory_order_relaxed);
}
