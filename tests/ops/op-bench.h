/* op-bench.h: runs one engine op on the Vulkan device and its C reference
 * on host mirrors of the same random buffers, and compares the results. */
#ifndef OP_BENCH_H
#define OP_BENCH_H

#include "uf-vk.h"
#include "ops/uf-ops.h"

typedef struct {
  UfDevice *dev;
  GRand *rand;
  /* host mirrors; sizes in elements */
  float *arena; gsize n_arena;
  float *weights; gsize n_weights;
  guint16 *weights16_bits; float *weights16; gsize n_weights16;
  float *ring; gsize n_ring;
  guint32 *control; gsize n_control;
  guint8 *staging; gsize n_staging;
  /* device results after uf_op_bench_run */
  float *gpu_arena, *gpu_ring;
  guint repeats;              /* device runs (benchmarks); the last is timed */
  const UfTuning *tuning;     /* NULL: the device's table row */
  double last_ms;
  double last_cpu_ms;         /* CPU time of the whole process in that run (lavapipe's
                               * threads included): steadier than wall time on a busy machine */
} UfOpBench;

typedef void (*UfOpRecordFunc) (UfRecorder *rec, gconstpointer args);
typedef void (*UfOpReferenceFunc) (gconstpointer args, const UfHostBuffers *h);

/* Buffers filled with uniform random values in [-scale, scale]. */
void uf_op_bench_init (UfOpBench *b, UfDevice *dev, guint32 seed, gsize n_arena, gsize n_weights,
    gsize n_weights16, gsize n_ring, gsize n_control, gsize n_staging, float scale);
void uf_op_bench_clear (UfOpBench *b);
/* Records the op, runs it on the device, then runs the reference (if not
 * NULL) on the host. */
void uf_op_bench_run (UfOpBench *b, UfOpRecordFunc record, UfOpReferenceFunc reference,
    gconstpointer args);
/* Max |gpu - ref| / max(|ref|, floor) over [off, off+n) of the arena or ring. */
double uf_op_bench_error (const float *gpu, const float *ref, gsize off, gsize n, double floor);

/* Where an op writes its output in the arena or ring: @rows runs of @cols
 * elements, @ld elements apart, from @off. */
typedef struct {
  gsize off, rows, cols, ld;
} UfOpRegion;
#define UF_OP_SPAN(o, n) ((UfOpRegion) { (o), 1, (n), (n) })

/* Max |gpu - ref| / max(max|ref|, floor) over the elements of @r only. */
double uf_op_bench_region_error (const float *gpu, const float *ref, UfOpRegion r,
    double floor);
/* The elements of [0, n) outside @r where @gpu and @ref differ bit for bit:
 * there the op must leave its inputs exactly as they were. */
gsize uf_op_bench_count_outside (const float *gpu, const float *ref, gsize n, UfOpRegion r);

#endif
