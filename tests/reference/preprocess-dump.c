/* preprocess-dump: the engine half of test_preprocess.py. It feeds frames with
 * structure (gradients, a zone plate that reaches the Nyquist frequency, a
 * one-pixel checkerboard, out-of-range YUV values, random bytes in the alpha
 * or X channel and in the row padding) through uf_session_upload_frame() in
 * every pixel format the engine accepts, both YUV matrices and both ranges,
 * for three models (RGB and BGR, square and non-square input, per-channel
 * mean and std) and both resize modes, then reads each ring slot back and
 * writes the frames' planes and the slots as .npy files with a manifest:
 *
 *   preprocess-dump OUTDIR     -> OUTDIR/manifest.json, frame-*.npy, out-*.npy
 *
 * test_preprocess.py computes the expected slots from the planes on its own
 * (colour conversion from the BT.601/BT.709 formulas, the official resize
 * geometry, torch.nn.functional.interpolate) and compares.
 *
 * The public API has no call that reads a slot back. The session's ring is
 * found by linking with -Wl,--wrap=uf_buffer_create (tests/reference/
 * meson.build): every buffer the session creates passes through
 * __wrap_uf_buffer_create below, and the ring is the one device-local buffer
 * of the size a ring of that many slots takes. It is read with a copy after
 * a barrier, in submission order behind the upload, as the forward pass
 * would read it. */
#include <stdio.h>
#include <string.h>
#include <math.h>

#include "uf-vk.h"
#include "model-writer.h"

#define RING_SLOTS 3

/* ---- the session's buffers ---------------------------------------------- */

gboolean __real_uf_buffer_create (UfDevice *dev, VkDeviceSize size, gboolean host_visible,
    UfBuffer *buf, GError **error);

typedef struct {
  UfBuffer *buf;
  VkDeviceSize size;
  gboolean host_visible;
} Created;

static GArray *created;         /* Created, while a session is being made */

gboolean
__wrap_uf_buffer_create (UfDevice *dev, VkDeviceSize size, gboolean host_visible,
    UfBuffer *buf, GError **error)
{
  gboolean ok = __real_uf_buffer_create (dev, size, host_visible, buf, error);
  if (ok && created) {
    Created c = { buf, size, host_visible };
    g_array_append_val (created, c);
  }
  return ok;
}

static UfSession *
new_session (UfModel *model, UfResizeMode mode, UfBuffer **ring)
{
  const UfModelInfo *info = uf_model_get_info (model);
  UfSessionConfig config = { .ring_slots = RING_SLOTS, .resize_mode = mode };
  VkDeviceSize ring_bytes = (VkDeviceSize) (RING_SLOTS + info->frames) * 3
      * info->crop_height * info->crop_width * sizeof (float);
  GError *error = NULL;
  created = g_array_new (FALSE, FALSE, sizeof (Created));
  UfSession *ss = uf_session_new (model, &config, &error);
  g_assert_no_error (error);
  *ring = NULL;
  for (guint i = 0; i < created->len; i++) {
    Created *c = &g_array_index (created, Created, i);
    if (!c->host_visible && c->size == ring_bytes) {
      g_assert_null (*ring);    /* two candidates: the size no longer tells */
      *ring = c->buf;
    }
  }
  g_array_free (created, TRUE);
  created = NULL;
  if (*ring == NULL)
    g_error ("no device-local buffer of %" G_GUINT64_FORMAT " bytes among the session's: "
        "the ring is no longer found this way", (guint64) ring_bytes);
  return ss;
}

/* Reads @n floats from @offset of @ring once the commands submitted before
 * have written them (the download orders itself after them). */
static void
read_ring (UfDevice *dev, UfBuffer *ring, VkDeviceSize offset, float *out, gsize n)
{
  GError *error = NULL;
  g_assert_true (uf_buffer_download (dev, ring, offset, out, n * sizeof (float), &error));
  g_assert_no_error (error);
}

/* ---- .npy files ----------------------------------------------------------- */

static void
write_npy (const char *dir, const char *name, const char *descr, const void *data,
    gsize item_bytes, const gsize *shape, guint n_dims)
{
  GString *hdr = g_string_new ("");
  g_string_append_printf (hdr, "{'descr': '%s', 'fortran_order': False, 'shape': (", descr);
  gsize n = 1;
  for (guint i = 0; i < n_dims; i++) {
    g_string_append_printf (hdr, "%" G_GSIZE_FORMAT "%s", shape[i],
        n_dims == 1 || i + 1 < n_dims ? ", " : "");
    n *= shape[i];
  }
  g_string_append (hdr, "), }");
  /* magic (6) + version (2) + length (2) + header, padded to 64 with a '\n' */
  while ((10 + hdr->len + 1) % 64 != 0)
    g_string_append_c (hdr, ' ');
  g_string_append_c (hdr, '\n');
  char *path = g_build_filename (dir, name, NULL);
  FILE *f = fopen (path, "wb");
  if (f == NULL)
    g_error ("cannot write %s", path);
  guint8 pre[10] = { 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, hdr->len & 0xff, hdr->len >> 8 };
  if (fwrite (pre, 1, sizeof pre, f) != sizeof pre
      || fwrite (hdr->str, 1, hdr->len, f) != hdr->len
      || fwrite (data, item_bytes, n, f) != n || fclose (f) != 0)
    g_error ("writing %s failed", path);
  g_free (path);
  g_string_free (hdr, TRUE);
}

/* ---- frames ----------------------------------------------------------------- */

typedef struct {
  const char *name;
  UfPixelFormat format;
  guint bpp;                    /* packed formats: bytes per pixel */
} Format;

static const Format formats[] = {
  { "RGB", UF_PIXEL_FORMAT_RGB, 3 },
  { "RGBA", UF_PIXEL_FORMAT_RGBA, 4 },
  { "BGRA", UF_PIXEL_FORMAT_BGRA, 4 },
  { "BGRX", UF_PIXEL_FORMAT_BGRX, 4 },
  { "RGBX", UF_PIXEL_FORMAT_RGBX, 4 },
  { "I420", UF_PIXEL_FORMAT_I420, 0 },
  { "NV12", UF_PIXEL_FORMAT_NV12, 0 },
};

typedef struct {
  const Format *format;
  guint width, height;
  guint n_planes;
  guint rows[3];
  gsize strides[3];
  guint8 *planes[3];
} Frame;

static guint8
byte (double v)
{
  return (guint8) CLAMP (lround (v), 0, 255);
}

/* A zone plate: cos of a phase that grows with the squared distance from
 * the centre, so the local frequency runs from 0 to 0.5 cycles per pixel. */
static double
zone (guint x, guint y, guint w, guint h)
{
  double dx = x - (w - 1) / 2.0, dy = y - (h - 1) / 2.0, n = MAX (w, h);
  return 127.5 + 127.5 * cos (G_PI * (dx * dx + dy * dy) / n);
}

static guint8
ramp (guint i, guint n)
{
  return byte (255.0 * i / MAX (n - 1, 1));
}

static void
frame_make (Frame *f, const Format *format, guint w, guint h, GRand *rand)
{
  memset (f, 0, sizeof (*f));
  f->format = format;
  f->width = w;
  f->height = h;
  guint cw = (w + 1) / 2, ch = (h + 1) / 2;
  gsize row_bytes[3];
  if (format->bpp) {
    f->n_planes = 1;
    row_bytes[0] = (gsize) w * format->bpp;
    f->rows[0] = h;
  } else if (format->format == UF_PIXEL_FORMAT_I420) {
    f->n_planes = 3;
    row_bytes[0] = w; row_bytes[1] = row_bytes[2] = cw;
    f->rows[0] = h; f->rows[1] = f->rows[2] = ch;
  } else {
    f->n_planes = 2;
    row_bytes[0] = w; row_bytes[1] = 2 * cw;
    f->rows[0] = h; f->rows[1] = ch;
  }
  /* rows padded with random bytes, by amounts that keep no alignment */
  for (guint p = 0; p < f->n_planes; p++) {
    f->strides[p] = row_bytes[p] + 5 + 2 * p;
    gsize n = f->strides[p] * f->rows[p];
    f->planes[p] = g_malloc (n);
    for (gsize i = 0; i < n; i++)
      f->planes[p][i] = g_rand_int_range (rand, 0, 256);
  }
  if (format->bpp) {
    /* R: horizontal ramp; G: zone plate; B: a one-pixel checkerboard on the
     * left, a vertical ramp on the right. The 4th byte keeps its random value. */
    static const int offsets[][3] = {
      [UF_PIXEL_FORMAT_RGB] = { 0, 1, 2 }, [UF_PIXEL_FORMAT_RGBA] = { 0, 1, 2 },
      [UF_PIXEL_FORMAT_RGBX] = { 0, 1, 2 }, [UF_PIXEL_FORMAT_BGRA] = { 2, 1, 0 },
      [UF_PIXEL_FORMAT_BGRX] = { 2, 1, 0 },
    };
    const int *o = offsets[format->format];
    for (guint y = 0; y < h; y++)
      for (guint x = 0; x < w; x++) {
        guint8 *px = f->planes[0] + y * f->strides[0] + (gsize) x * format->bpp;
        px[o[0]] = ramp (x, w);
        px[o[1]] = byte (zone (x, y, w, h));
        px[o[2]] = x < w / 2 ? ((x + y) & 1 ? 235 : 20) : ramp (y, h);
      }
    return;
  }
  /* Y: zone plate on the left, vertical ramp over the whole 0..255 on the
   * right; U: horizontal ramp 0..255; V: a chroma-pixel checkerboard of
   * extremes on the top half, a ramp on the bottom. Many combinations fall
   * outside the RGB cube (and Y, U, V outside the limited range), so the
   * clamping is tested too. */
  for (guint y = 0; y < h; y++)
    for (guint x = 0; x < w; x++)
      f->planes[0][y * f->strides[0] + x] = x < w / 2 ? byte (zone (x, y, w, h)) : ramp (y, h);
  for (guint j = 0; j < ch; j++)
    for (guint i = 0; i < cw; i++) {
      guint8 u = ramp (i, cw);
      guint8 v = j < ch / 2 ? ((i + j) & 1 ? 240 : 16) : ramp (j, ch);
      if (format->format == UF_PIXEL_FORMAT_I420) {
        f->planes[1][j * f->strides[1] + i] = u;
        f->planes[2][j * f->strides[2] + i] = v;
      } else {
        f->planes[1][j * f->strides[1] + 2 * i] = u;
        f->planes[1][j * f->strides[1] + 2 * i + 1] = v;
      }
    }
}

static void
frame_clear (Frame *f)
{
  for (guint p = 0; p < f->n_planes; p++)
    g_free (f->planes[p]);
}

/* ---- the cases -------------------------------------------------------------- */

typedef struct {
  const char *name;
  guint crop_h, crop_w;
  const char *mean, *std, *color_order;
  gboolean all_sizes, all_formats;
} ModelCase;

/* Means and stds differ per channel, so a channel mix-up shows. */
static const ModelCase models[] = {
  { "rgb224", 224, 224, "0.485,0.456,0.406", "0.229,0.224,0.225", "rgb", TRUE, TRUE },
  { "bgr224", 224, 224, "0.40,0.45,0.50", "0.20,0.25,0.30", "bgr", FALSE, TRUE },
  { "rgb160x224", 160, 224, "0.45,0.45,0.45", "0.225,0.225,0.225", "rgb", TRUE, FALSE },
};

/* Not multiples of anything: landscape, 16:9, portrait, and one smaller
 * than the input (upscaled). */
static const guint sizes[][2] = { { 317, 239 }, { 640, 360 }, { 270, 480 }, { 150, 97 } };

typedef struct {
  UfYuvMatrix matrix;
  gboolean full_range;
  const char *name;
} YuvCase;

static const YuvCase yuv_cases[] = {
  { UF_YUV_MATRIX_BT601, FALSE, "bt601" },
  { UF_YUV_MATRIX_BT601, TRUE, "bt601" },
  { UF_YUV_MATRIX_BT709, FALSE, "bt709" },
  { UF_YUV_MATRIX_BT709, TRUE, "bt709" },
};

static char *
frame_file (const Frame *f, guint p)
{
  return g_strdup_printf ("frame-%s-%ux%u-p%u.npy", f->format->name, f->width, f->height, p);
}

/* The smallest network the engine loads: only its input matters here. */
static const MwArch small_arch = { { 1, 1, 1, 1 }, { 8, 8, 8, 8 }, 4, 1, 2 };

static UfModel *
load_model (UfDevice *dev, const char *dir, const ModelCase *mc)
{
  MwModel *m = mw_model_new (&small_arch, UF_DTYPE_F32, 1);
  char buf[16];
  g_snprintf (buf, sizeof buf, "%u", mc->crop_h);
  mw_model_set_meta (m, "crop_height", buf);
  g_snprintf (buf, sizeof buf, "%u", mc->crop_w);
  mw_model_set_meta (m, "crop_width", buf);
  mw_model_set_meta (m, "frames", "2");
  mw_model_set_meta (m, "mean", mc->mean);
  mw_model_set_meta (m, "std", mc->std);
  mw_model_set_meta (m, "color_order", mc->color_order);
  char *name = g_strdup_printf ("model-%s.safetensors", mc->name);
  char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;
  g_assert_true (mw_model_write (m, path, &error));
  UfModel *model = uf_model_load (dev, path, &error);
  g_assert_no_error (error);
  mw_model_free (m);
  g_free (name);
  g_free (path);
  return model;
}

int
main (int argc, char **argv)
{
  if (argc != 2) {
    fprintf (stderr, "usage: preprocess-dump OUTDIR\n");
    return 2;
  }
  const char *dir = argv[1];
  g_mkdir_with_parents (dir, 0755);
  GError *error = NULL;
  UfDevice *dev = uf_device_open (NULL, &error);
  g_assert_no_error (error);
  GRand *rand = g_rand_new_with_seed (2024);

  /* every frame once */
  guint n_frames = G_N_ELEMENTS (formats) * G_N_ELEMENTS (sizes);
  Frame *frames = g_new0 (Frame, n_frames);
  for (guint fi = 0; fi < G_N_ELEMENTS (formats); fi++)
    for (guint si = 0; si < G_N_ELEMENTS (sizes); si++) {
      Frame *f = &frames[fi * G_N_ELEMENTS (sizes) + si];
      frame_make (f, &formats[fi], sizes[si][0], sizes[si][1], rand);
      for (guint p = 0; p < f->n_planes; p++) {
        char *name = frame_file (f, p);
        gsize shape[2] = { f->rows[p], f->strides[p] };
        write_npy (dir, name, "|u1", f->planes[p], 1, shape, 2);
        g_free (name);
      }
    }

  GString *manifest = g_string_new ("{\"cases\": [\n");
  guint n_cases = 0;
  for (guint mi = 0; mi < G_N_ELEMENTS (models); mi++) {
    const ModelCase *mc = &models[mi];
    UfModel *model = load_model (dev, dir, mc);
    gsize slot_floats = 3 * (gsize) mc->crop_h * mc->crop_w;
    for (guint mode = 0; mode < 2; mode++) {
      UfBuffer *ring;
      UfSession *ss = new_session (model, mode == 0 ? UF_RESIZE_CROP : UF_RESIZE_STRETCH,
          &ring);
      /* what each slot should hold at the end: its last upload */
      float *last[RING_SLOTS] = { NULL };
      for (guint fi = 0; fi < G_N_ELEMENTS (formats); fi++) {
        const Format *fmt = &formats[fi];
        if (!mc->all_formats && fmt->format != UF_PIXEL_FORMAT_RGBA
            && fmt->format != UF_PIXEL_FORMAT_I420)
          continue;
        guint n_yuv = fmt->bpp ? 1 : G_N_ELEMENTS (yuv_cases);
        for (guint si = 0; si < G_N_ELEMENTS (sizes); si++) {
          if (!mc->all_sizes && si != 0)
            continue;
          const Frame *f = &frames[fi * G_N_ELEMENTS (sizes) + si];
          for (guint yi = 0; yi < n_yuv; yi++) {
            const YuvCase *yc = &yuv_cases[yi];
            UfFrame uf = {
              .format = fmt->format, .width = f->width, .height = f->height,
              .yuv_matrix = yc->matrix, .yuv_full_range = yc->full_range,
            };
            for (guint p = 0; p < f->n_planes; p++) {
              uf.planes[p] = f->planes[p];
              uf.strides[p] = f->strides[p];
            }
            guint slot = n_cases % RING_SLOTS;
            g_assert_true (uf_session_upload_frame (ss, slot, &uf, &error));
            g_assert_no_error (error);
            float *out = g_new (float, slot_floats);
            read_ring (dev, ring, (VkDeviceSize) slot * slot_floats * sizeof (float), out,
                slot_floats);
            char *out_name = g_strdup_printf ("out-%04u.npy", n_cases);
            gsize shape[3] = { 3, mc->crop_h, mc->crop_w };
            write_npy (dir, out_name, "<f4", out, 4, shape, 3);
            g_free (last[slot]);
            last[slot] = out;
            g_string_append_printf (manifest, "%s{\"id\": %u, \"model\": \"%s\", "
                "\"crop\": [%u, %u], \"mean\": [%s], \"std\": [%s], \"color_order\": \"%s\", "
                "\"resize\": \"%s\", \"format\": \"%s\", \"width\": %u, \"height\": %u, "
                "\"matrix\": \"%s\", \"full_range\": %s, \"planes\": [",
                n_cases ? ",\n" : "", n_cases, mc->name, mc->crop_h, mc->crop_w, mc->mean,
                mc->std, mc->color_order, mode == 0 ? "crop" : "stretch", fmt->name,
                f->width, f->height, fmt->bpp ? "" : yc->name,
                !fmt->bpp && yc->full_range ? "true" : "false");
            for (guint p = 0; p < f->n_planes; p++) {
              char *name = frame_file (f, p);
              g_string_append_printf (manifest, "%s\"%s\"", p ? ", " : "", name);
              g_free (name);
            }
            g_string_append_printf (manifest, "], \"slot\": %u, \"output\": \"%s\"}", slot,
                out_name);
            g_free (out_name);
            n_cases++;
          }
        }
      }
      /* No upload wrote outside its own slot: each slot still holds its last. */
      float *now = g_new (float, slot_floats);
      for (guint s = 0; s < RING_SLOTS; s++) {
        if (last[s] == NULL)
          continue;
        read_ring (dev, ring, (VkDeviceSize) s * slot_floats * sizeof (float), now,
            slot_floats);
        if (memcmp (now, last[s], slot_floats * sizeof (float)) != 0)
          g_error ("%s, %s: ring slot %u changed after its last upload", mc->name,
              mode == 0 ? "crop" : "stretch", s);
        g_free (last[s]);
      }
      g_free (now);
      uf_session_free (ss);
    }
    uf_model_unref (model);
  }
  g_string_append (manifest, "\n]}\n");
  char *path = g_build_filename (dir, "manifest.json", NULL);
  g_assert_true (g_file_set_contents (path, manifest->str, manifest->len, &error));
  g_free (path);
  g_string_free (manifest, TRUE);
  for (guint i = 0; i < n_frames; i++)
    frame_clear (&frames[i]);
  g_free (frames);
  g_rand_free (rand);
  guint messages = uf_device_get_validation_message_count (dev);
  uf_device_unref (dev);
  printf ("%u cases\n", n_cases);
  if (messages > 0) {
    fprintf (stderr, "the Vulkan validation layer reported %u message(s)\n", messages);
    return 1;
  }
  return 0;
}
