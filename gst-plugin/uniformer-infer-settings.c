/* uniformer-infer-settings.c: the element's enum types, and one table that
 * describes each playing-time property of uniformerinfer: its name,
 * documentation, range, default and place in UniformerInferSettings. */
#include "uniformer-infer-settings.h"

#include <stddef.h>
#include "uniformer.h"

typedef enum {
  KIND_UINT,
  KIND_DOUBLE,
  KIND_BOOLEAN,
  KIND_ENUM,
} Kind;

typedef struct {
  const gchar *name, *nick, *blurb;
  Kind kind;
  gsize offset;
  gdouble min, max, def;        /* numbers; def also for booleans and enums */
} SettingSpec;

#define FIELD(f) offsetof (UniformerInferSettings, f)

static const SettingSpec specs[] = {
  {"sample-rate", "Sample rate", "Frames per second the window samples from the stream, "
        "by timestamp; 0 = the model's trained rate (source fps / sampling rate, 7.5 for "
        "30 fps / 4)", KIND_DOUBLE, FIELD (sample_rate), 0, 1000, 0},
  {"frame-interval", "Frame interval", "Sample every N-th frame whatever the timestamps; "
        "0 = sample by timestamp at sample-rate", KIND_UINT, FIELD (frame_interval), 0,
      10000, 0},
  {"inference-interval", "Inference interval", "Sampled frames the window slides between "
        "classifications (the first one is made as soon as the window is full); the "
        "default 4 gives about two classifications a second at 7.5 samples per second",
      KIND_UINT, FIELD (inference_interval), 1, 10000, UNIFORMER_DEFAULT_INFERENCE_INTERVAL},
  {"top-k", "Top k", "Best classes reported per classification", KIND_UINT,
      FIELD (top_k), 1, 1000, 5},
  {"threshold", "Threshold", "Classes whose (smoothed) probability is below this are not "
        "reported", KIND_DOUBLE, FIELD (threshold), 0, 1, 0},
  {"smoothing", "Smoothing", "Report the mean probabilities of the last N windows; "
        "1 = no smoothing", KIND_UINT, FIELD (smoothing), 1, 100, 1},
  {"post-messages", "Post messages", "Post an element message named \"uniformer\" on the "
        "bus for every classification", KIND_BOOLEAN, FIELD (post_messages), 0, 1, TRUE},
  {"late-windows", "Late windows", "What to do with a window that is due while the "
        "previous one is still being classified", KIND_ENUM, FIELD (late_windows), 0, 0,
      GST_UNIFORMER_LATE_WINDOWS_AUTO},
};

GType
gst_uniformer_late_windows_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {GST_UNIFORMER_LATE_WINDOWS_AUTO, "Skip when upstream is live, wait otherwise", "auto"},
    {GST_UNIFORMER_LATE_WINDOWS_SKIP, "Drop windows due while an inference runs", "skip"},
    {GST_UNIFORMER_LATE_WINDOWS_WAIT, "Block the stream until every window is classified",
        "wait"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstUniformerLateWindows", values));
  return type;
}

GType
gst_uniformer_resize_mode_get_type (void)
{
  static GType type = 0;
  static const GEnumValue values[] = {
    {UF_RESIZE_CROP, "Short side to the model's size, centre crop (how models are tested)",
        "crop"},
    {UF_RESIZE_STRETCH, "Whole frame stretched to the model's size", "stretch"},
    {0, NULL, NULL},
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static ("GstUniformerResizeMode", values));
  return type;
}

#define MEMBER(type, s, spec) G_STRUCT_MEMBER (type, s, (spec)->offset)

void
uniformer_infer_settings_init (UniformerInferSettings * s)
{
  for (guint i = 0; i < G_N_ELEMENTS (specs); i++) {
    const SettingSpec *sp = &specs[i];

    switch (sp->kind) {
      case KIND_UINT:
        MEMBER (guint, s, sp) = (guint) sp->def;
        break;
      case KIND_DOUBLE:
        MEMBER (gdouble, s, sp) = sp->def;
        break;
      case KIND_BOOLEAN:
        MEMBER (gboolean, s, sp) = (gboolean) sp->def;
        break;
      case KIND_ENUM:
        MEMBER (gint, s, sp) = (gint) sp->def;
        break;
    }
  }
}

void
uniformer_infer_settings_install (GObjectClass * klass, guint first_id)
{
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS |
      GST_PARAM_MUTABLE_PLAYING;

  for (guint i = 0; i < G_N_ELEMENTS (specs); i++) {
    const SettingSpec *sp = &specs[i];
    GParamSpec *ps = NULL;

    switch (sp->kind) {
      case KIND_UINT:
        ps = g_param_spec_uint (sp->name, sp->nick, sp->blurb, (guint) sp->min,
            (guint) sp->max, (guint) sp->def, flags);
        break;
      case KIND_DOUBLE:
        ps = g_param_spec_double (sp->name, sp->nick, sp->blurb, sp->min, sp->max, sp->def,
            flags);
        break;
      case KIND_BOOLEAN:
        ps = g_param_spec_boolean (sp->name, sp->nick, sp->blurb, (gboolean) sp->def, flags);
        break;
      case KIND_ENUM:
        ps = g_param_spec_enum (sp->name, sp->nick, sp->blurb,
            GST_TYPE_UNIFORMER_LATE_WINDOWS, (gint) sp->def, flags);
        break;
    }
    g_object_class_install_property (klass, first_id + i, ps);
  }
}

static const SettingSpec *
spec_of (guint first_id, guint prop_id)
{
  if (prop_id < first_id || prop_id >= first_id + G_N_ELEMENTS (specs))
    return NULL;
  return &specs[prop_id - first_id];
}

gboolean
uniformer_infer_settings_set (UniformerInferSettings * s, guint first_id, guint prop_id,
    const GValue * value)
{
  const SettingSpec *sp = spec_of (first_id, prop_id);

  if (sp == NULL)
    return FALSE;
  switch (sp->kind) {
    case KIND_UINT:
      MEMBER (guint, s, sp) = g_value_get_uint (value);
      break;
    case KIND_DOUBLE:
      MEMBER (gdouble, s, sp) = g_value_get_double (value);
      break;
    case KIND_BOOLEAN:
      MEMBER (gboolean, s, sp) = g_value_get_boolean (value);
      break;
    case KIND_ENUM:
      MEMBER (gint, s, sp) = g_value_get_enum (value);
      break;
  }
  return TRUE;
}

gboolean
uniformer_infer_settings_get (const UniformerInferSettings * s, guint first_id,
    guint prop_id, GValue * value)
{
  const SettingSpec *sp = spec_of (first_id, prop_id);

  if (sp == NULL)
    return FALSE;
  switch (sp->kind) {
    case KIND_UINT:
      g_value_set_uint (value, MEMBER (guint, s, sp));
      break;
    case KIND_DOUBLE:
      g_value_set_double (value, MEMBER (gdouble, s, sp));
      break;
    case KIND_BOOLEAN:
      g_value_set_boolean (value, MEMBER (gboolean, s, sp));
      break;
    case KIND_ENUM:
      g_value_set_enum (value, MEMBER (gint, s, sp));
      break;
  }
  return TRUE;
}
