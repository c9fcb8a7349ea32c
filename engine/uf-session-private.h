/* uf-session-private.h: a session's insides, shared with the batch runner
 * (uf-batch.c), whose forward pass is a session of several windows. */
#ifndef UF_SESSION_PRIVATE_H
#define UF_SESSION_PRIVATE_H

#include "uf-model.h"

typedef struct {
  VkCommandPool pool;
  VkCommandBuffer cb;
  VkFence fence;
  UfDescriptors descriptors;  /* weight windows 0 */
  UfBuffer *staging;
  GHashTable *windows;        /* w32 << 16 | w16 -> UfDescriptors*, other windows */
} UfSubmitter;

/* Frames in flight to the ring: a stream uploads while the queue still
 * runs a pass (of a batch of many streams, maybe long), so it waits only
 * when this many of its uploads are still queued. */
#define UF_UPLOADS_IN_FLIGHT 4

typedef struct {
  UfSubmitter sub;
  UfBuffer staging;           /* grows with the frame size */
  guint64 submitted;          /* when (the session's upload count), 0: idle */
} UfUpload;

struct _UfSession {
  UfModel *model;
  UfDevice *dev;
  const UfNetLayout *layout;
  guint n_stages;
  UfResizeMode resize_mode;
  guint ring_slots;           /* user slots; T more after them for run_tensor */
  /* Windows per forward pass: 1 for a session of its own; a batch's pass
   * (uf-batch.c) has passes[n - 1] for n windows; 0 for a session that
   * holds only frames and runs through @batch. */
  guint batch_windows;
  VkCommandBuffer *passes;
  UfBatch *batch;
  guint32 slot_floats;
  UfBuffer arena, ring, control, results;
  UfBuffer no_staging;        /* what the forward pass's set binds instead of a staging buffer */

  GMutex run_lock;
  UfSubmitter run;
  VkQueryPool queries;
  gboolean profiling, have_times;
  double stage_ms[UF_MAX_STAGES];

  GMutex upload_lock;
  UfUpload uploads[UF_UPLOADS_IN_FLIGHT];
  guint n_uploads;            /* made so far, on demand */
  guint64 n_submitted;

  guint test_run_delay_ms;    /* test-only: UF_TEST_RUN_DELAY_MS, see uf_session_run */
};

/* A session whose forward passes take 1 to @windows windows (0: a session
 * that only holds frames and runs through config->batch). */
UfSession *uf_session_new_full (UfModel *model, const UfSessionConfig *config, guint windows,
    GError **error);
/* Submits @pre (a command buffer that fills the ring slots of the @n
 * windows, or VK_NULL_HANDLE) and the pass of @n windows as one
 * submission, waits, and reads the stage times. run_lock held. */
gboolean uf_session_submit_pass (UfSession *ss, VkCommandBuffer pre, guint n, GError **error);
/* uf_session_profile_ops for the pass of @n windows (the frames the last
 * run left in the ring). */
gboolean uf_session_profile_pass (UfSession *ss, guint n, UfOpClassTime *classes,
    GError **error);
/* Whether @slots is one window within @ss's ring, else the error. */
gboolean uf_session_check_window (UfSession *ss, const guint *slots, guint n_slots,
    GError **error);
/* The result of window @b of the last pass. run_lock held. */
void uf_session_fill_result (UfSession *ss, guint b, UfResult *result);

#endif
