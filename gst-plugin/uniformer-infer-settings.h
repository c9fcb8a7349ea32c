/* uniformer-infer-settings.h: the uniformerinfer properties that may change
 * while playing (sampling, reporting, late-window policy), as one struct the
 * element copies under its object lock at the start of each buffer, and the
 * table that installs, sets and gets them. */
#ifndef UNIFORMER_INFER_SETTINGS_H
#define UNIFORMER_INFER_SETTINGS_H

#include "gstuniformerinfer.h"

G_BEGIN_DECLS

typedef struct {
  gdouble sample_rate;          /* 0 = the model's trained rate */
  guint frame_interval;         /* > 0: every n-th frame instead of sample-rate */
  guint inference_interval;
  guint top_k;
  gdouble threshold;
  guint smoothing;
  gboolean post_messages;
  GstUniformerLateWindows late_windows;
} UniformerInferSettings;

#define UNIFORMER_DEFAULT_INFERENCE_INTERVAL 4

void uniformer_infer_settings_init (UniformerInferSettings * s);
/* Installs the settings' properties with ids @first_id, @first_id + 1, ... */
void uniformer_infer_settings_install (GObjectClass * klass, guint first_id);
/* FALSE when @prop_id is not a settings property. */
gboolean uniformer_infer_settings_set (UniformerInferSettings * s, guint first_id,
    guint prop_id, const GValue * value);
gboolean uniformer_infer_settings_get (const UniformerInferSettings * s, guint first_id,
    guint prop_id, GValue * value);

G_END_DECLS

#endif /* UNIFORMER_INFER_SETTINGS_H */
