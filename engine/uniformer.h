/* uniformer.h: public API of the gst-uniformer Vulkan engine.
 *
 * The engine runs the UniFormer video transformer with Vulkan compute shaders.
 * It has no GStreamer dependency. Objects:
 *   UfDevice  - a Vulkan device (chosen automatically or by index/name);
 *   UfModel   - a model file loaded and its weights uploaded once to a device;
 *   UfSession - per-stream state: a ring of preprocessed frame slots on the GPU,
 *               activation memory and a pre-recorded forward pass;
 *   UfBatch   - a forward pass of several windows at once, from sessions of
 *               one model (one submission; every window its own result).
 *
 * Threading: a UfDevice and UfModel may be shared by any number of sessions
 * and threads. A session runs one inference at a time; uf_session_upload_frame()
 * may be called from one thread while uf_session_run() runs on another, as long
 * as the uploaded slot is not part of the running window.
 */
#ifndef UNIFORMER_H
#define UNIFORMER_H

#include <glib.h>

G_BEGIN_DECLS

#define UF_ERROR (uf_error_quark ())
GQuark uf_error_quark (void);

typedef enum {
  UF_ERROR_NO_DEVICE,           /* no Vulkan device, or none matches the selector */
  UF_ERROR_VULKAN,              /* a Vulkan call failed */
  UF_ERROR_MODEL_FILE,          /* the model file is malformed */
  UF_ERROR_MODEL_INVALID,       /* well-formed file whose content is not a valid model */
  UF_ERROR_ARGUMENT,            /* bad argument: frame size, format, slot index... */
  UF_ERROR_OUT_OF_MEMORY,       /* host or device memory exhausted */
  UF_ERROR_NOT_FOUND,           /* the model file does not exist */
  UF_ERROR_READ,                /* the model file exists but cannot be opened or read */
} UfError;

typedef struct _UfDevice UfDevice;
typedef struct _UfModel UfModel;
typedef struct _UfSession UfSession;
typedef struct _UfBatch UfBatch;

/* ---- devices ---------------------------------------------------------- */

/* Opens a device. @selector is NULL or "" for automatic choice (discrete GPU,
 * integrated GPU, virtual GPU, CPU), a decimal index into the list of
 * physical devices, or a case-insensitive substring of the device name.
 * When @selector is NULL the environment variable UF_DEVICE is used. */
UfDevice *uf_device_open (const char *selector, GError **error);
UfDevice *uf_device_ref (UfDevice *device);
void uf_device_unref (UfDevice *device);
const char *uf_device_get_name (UfDevice *device);
/* "discrete GPU", "integrated GPU", "virtual GPU", "CPU" or "other" */
const char *uf_device_get_type_name (UfDevice *device);
/* Number of messages the Vulkan validation layer reported (when enabled with
 * UF_VULKAN_VALIDATION=1; otherwise always 0). */
guint uf_device_get_validation_message_count (UfDevice *device);
/* The shader paths this device's tuning uses, for logs, e.g. "tuning row gpu,
 * fp16 arithmetic: yes, cooperative matrix: 16x16x16"; free with g_free. */
char *uf_device_describe_paths (UfDevice *device);
/* NULL-terminated list of "index: name (type)" strings; free with g_strfreev. */
char **uf_device_list (GError **error);

/* ---- models ----------------------------------------------------------- */

typedef enum {
  UF_COLOR_ORDER_RGB,
  UF_COLOR_ORDER_BGR,
} UfColorOrder;

/* How a window's frames are spread over the source: every sampling_rate-th
 * frame, or (sparse, the light models' test-time sampling) the frames
 * spread evenly over the window's span of frames x sampling_rate source
 * frames, each the centre of its segment. */
typedef enum {
  UF_SAMPLING_STRIDE,
  UF_SAMPLING_SPARSE,
} UfSampling;

/* What every model file says of itself; the architecture's own
 * hyper-parameters stay inside the engine. */
typedef struct {
  const char *architecture;     /* "uniformer", "videomae", ... */
  guint num_classes;
  guint frames;                 /* T, frames per window */
  guint sampling_rate;          /* window takes every n-th frame of a source_fps video */
  UfSampling sampling;
  double source_fps;
  guint crop_height, crop_width;
  float mean[3], std[3];        /* in model channel order, for [0,1] pixels */
  UfColorOrder color_order;
  const char *const *labels;    /* num_classes strings */
  const char *name;
  const char *provenance;
  gboolean f16_weights;         /* some weight matrices are stored as F16 */
} UfModelInfo;

UfModel *uf_model_load (UfDevice *device, const char *path, GError **error);
UfModel *uf_model_ref (UfModel *model);
void uf_model_unref (UfModel *model);
const UfModelInfo *uf_model_get_info (UfModel *model);
/* The device the model's weights live on (the model holds a reference). */
UfDevice *uf_model_get_device (UfModel *model);
/* Bytes of device memory the prepared weights take. */
gsize uf_model_get_device_bytes (UfModel *model);
/* Multiply-accumulates of one forward pass (the architecture's formulas). */
guint64 uf_model_get_macs (UfModel *model);
/* A one-line description of the architecture's hyper-parameters, e.g.
 * "UniFormer depths 3,4,8,3, dims 64,128,320,512, head_dim 64"; g_free. */
char *uf_model_describe (UfModel *model);

/* ---- sessions --------------------------------------------------------- */

typedef enum {
  UF_RESIZE_CROP,               /* short side to crop size, centre crop (official test protocol) */
  UF_RESIZE_STRETCH,            /* whole frame stretched to the input size */
} UfResizeMode;

typedef struct {
  guint ring_slots;             /* preprocessed frame slots; 0 = 2 * frames */
  UfResizeMode resize_mode;
  /* NULL: the session has its own activation memory and forward pass.
   * Else a batch of the same model: the session holds only its frames, and
   * uf_session_run runs its window through the batch (as a batch of one),
   * which it keeps a reference to. */
  UfBatch *batch;
} UfSessionConfig;

typedef enum {
  UF_PIXEL_FORMAT_RGB,          /* packed 24-bit */
  UF_PIXEL_FORMAT_RGBA,
  UF_PIXEL_FORMAT_BGRA,
  UF_PIXEL_FORMAT_BGRX,
  UF_PIXEL_FORMAT_RGBX,
  UF_PIXEL_FORMAT_I420,         /* planar Y, U, V; chroma halved both ways */
  UF_PIXEL_FORMAT_NV12,         /* planar Y, interleaved UV */
} UfPixelFormat;

typedef enum {
  UF_YUV_MATRIX_BT601,
  UF_YUV_MATRIX_BT709,
} UfYuvMatrix;

typedef struct {
  UfPixelFormat format;
  guint width, height;
  const guint8 *planes[3];      /* unused planes NULL */
  gsize strides[3];             /* bytes per row of each plane */
  UfYuvMatrix yuv_matrix;       /* YUV formats only */
  gboolean yuv_full_range;      /* YUV formats only; FALSE = 16..235 */
} UfFrame;

/* How a frame's planes lie in memory: rows of row_bytes each. */
typedef struct {
  guint n_planes;
  gsize row_bytes[3];
  guint rows[3];
} UfFrameLayout;

/* FALSE (with the reason) for a frame the engine cannot take. */
gboolean uf_frame_get_layout (const UfFrame *frame, UfFrameLayout *layout, GError **error);
/* The part of @frame inside the rectangle (x, y, w, h), clipped to the
 * frame, as a frame whose planes point into @frame's (YUV formats start
 * it on an even pixel, for their half-size chroma). FALSE when less than
 * 2x2 pixels of it lie inside the frame. */
gboolean uf_frame_crop (const UfFrame *frame, gint64 x, gint64 y, gint64 w, gint64 h,
    UfFrame *out);

typedef struct {
  guint num_classes;
  float *logits;                /* num_classes floats, filled by the run */
  float *probs;                 /* num_classes floats (softmax), filled by the run */
  guint64 gpu_time_ns;          /* device time of the forward pass */
} UfResult;

UfSession *uf_session_new (UfModel *model, const UfSessionConfig *config, GError **error);
void uf_session_free (UfSession *session);
guint uf_session_get_ring_slots (UfSession *session);
/* Bytes of device memory the session takes (activations, ring, buffers),
 * not counting the model's weights. */
gsize uf_session_get_device_bytes (UfSession *session);

/* Converts, resizes, crops and normalises @frame on the GPU into ring slot @slot. */
gboolean uf_session_upload_frame (UfSession *session, guint slot, const UfFrame *frame,
    GError **error);

/* Runs the network on the frames in @slots (oldest first, exactly `frames` of them). */
gboolean uf_session_run (UfSession *session, const guint *slots, guint n_slots,
    UfResult *result, GError **error);

/* Runs the network on an already-normalised float tensor [3, T, H, W] (C order). */
gboolean uf_session_run_tensor (UfSession *session, const float *tensor, UfResult *result,
    GError **error);

/* ---- batches ---------------------------------------------------------- */

/* A forward pass for up to @max_windows windows at once, each read from
 * its own session's ring (sessions of @model), computed without mixing
 * windows (attention, pooling and padding stay within each), in one
 * submission. The activation memory is the batch's: max_windows times a
 * session's. Families whose forward pass cannot batch (the token-pruning
 * light models, the video ViTs) get batches of one, run one after another
 * in the submission order; uf_batch_get_max_windows says which. */
UfBatch *uf_batch_new (UfModel *model, guint max_windows, GError **error);
UfBatch *uf_batch_ref (UfBatch *batch);
void uf_batch_unref (UfBatch *batch);
UfModel *uf_batch_get_model (UfBatch *batch);
/* @max_windows, or less where the family or the device's largest storage
 * buffer bounds it. */
guint uf_batch_get_max_windows (UfBatch *batch);
/* Bytes of device memory the batch takes (activations of max_windows, the
 * frames of one pass), not counting the model's weights. */
gsize uf_batch_get_device_bytes (UfBatch *batch);

typedef struct {
  UfSession *session;           /* of the batch's model; outlives the run */
  const guint *slots;           /* the window: `frames` slots of the session's ring */
  guint n_slots;
  UfResult *result;             /* the window's own; gpu_time_ns is the whole pass's */
} UfBatchMember;

/* Runs @n_members windows in one submission (more than the maximum: in
 * passes of the maximum, one after another) and fills each member's result.
 * A session may appear more than once. Thread-safe; one run at a time. */
gboolean uf_batch_run (UfBatch *batch, const UfBatchMember *members, guint n_members,
    GError **error);
/* Passes and windows run so far (their ratio is the mean batch size). */
void uf_batch_get_counts (UfBatch *batch, guint64 *passes, guint64 *windows);

/* Per-stage device times of the last run, when profiling is enabled. */
#define UF_MAX_STAGES 16
void uf_session_set_profiling (UfSession *session, gboolean enable);
/* The forward pass's stages (the architecture's: "stem", "stage1", ...),
 * and the device time each took in the last run: @ms holds
 * uf_session_get_n_stages() values. FALSE when the device has no timers. */
guint uf_session_get_n_stages (UfSession *session);
const char *uf_session_get_stage_name (UfSession *session, guint stage);
gboolean uf_session_get_stage_times (UfSession *session, double *ms);

/* Where a forward pass's time goes, by the kind of op. */
typedef enum {
  UF_OP_CLASS_GEMM,
  UF_OP_CLASS_ATTENTION,
  UF_OP_CLASS_DWCONV,
  UF_OP_CLASS_LAYERNORM,
  UF_OP_CLASS_OTHER,          /* patch gathers, embeddings, pooling, token moves, ... */
  UF_N_OP_CLASSES
} UfOpClass;

typedef struct {
  guint dispatches;
  double ms;                  /* device time (timestamps around each dispatch) */
  double macs;                /* multiply-adds (0 for OTHER's moves) */
} UfOpClassTime;

/* "GEMM", "attention", "depthwise conv", "LayerNorm", "other". */
const char *uf_op_class_name (UfOpClass op_class);
/* Runs the window of the last run once more with a timestamp after every
 * dispatch (slower than a plain run: each timestamp waits for its
 * dispatch), and sums the time and multiply-adds of each op class into
 * @classes[UF_N_OP_CLASSES]. FALSE (error set) on a device without
 * timestamps. */
gboolean uf_session_profile_ops (UfSession *session, UfOpClassTime *classes, GError **error);
/* The same for the batch's pass of @n_windows windows (at most the
 * maximum), on the frames its last run gathered. */
gboolean uf_batch_profile_ops (UfBatch *batch, guint n_windows, UfOpClassTime *classes,
    GError **error);

G_END_DECLS

#endif /* UNIFORMER_H */
