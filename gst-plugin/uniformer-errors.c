/* uniformer-errors.c: engine errors as GStreamer element errors. */
#include "uniformer-errors.h"

/* How each engine error reaches the application: a GStreamer domain and
 * code, and the sentence a user reads (the engine's text goes to the debug
 * string). %s in a sentence is the model path. */
typedef struct {
  UfError code;
  GQuark (*domain) (void);
  gint gst_code;
  const gchar *sentence;
} ErrorMapping;

static const ErrorMapping error_mappings[] = {
  {UF_ERROR_NO_DEVICE, gst_resource_error_quark, GST_RESOURCE_ERROR_NOT_FOUND,
      "No usable Vulkan device was found."},
  {UF_ERROR_NOT_FOUND, gst_resource_error_quark, GST_RESOURCE_ERROR_NOT_FOUND,
      "Model file \"%s\" not found."},
  {UF_ERROR_READ, gst_resource_error_quark, GST_RESOURCE_ERROR_OPEN_READ,
      "Could not open the model file \"%s\" for reading."},
  {UF_ERROR_MODEL_FILE, gst_resource_error_quark, GST_RESOURCE_ERROR_READ,
      "The model file \"%s\" is damaged or not a gst-uniformer model."},
  {UF_ERROR_MODEL_INVALID, gst_resource_error_quark, GST_RESOURCE_ERROR_READ,
      "The model file \"%s\" describes a model this element cannot run."},
  {UF_ERROR_OUT_OF_MEMORY, gst_resource_error_quark, GST_RESOURCE_ERROR_NO_SPACE_LEFT,
      "Not enough memory on the Vulkan device."},
  {UF_ERROR_VULKAN, gst_library_error_quark, GST_LIBRARY_ERROR_INIT,
      "Could not set up the model on the Vulkan device."},
  {UF_ERROR_ARGUMENT, gst_library_error_quark, GST_LIBRARY_ERROR_SETTINGS,
      "The model cannot be run with these settings."},
};

void
uniformer_post_engine_error (GstElement * element, GError * error, const gchar * path,
    const gchar * sentence, const gchar * file, const gchar * function, gint line)
{
  const ErrorMapping *m = NULL;
  GQuark domain = GST_LIBRARY_ERROR;
  gint code = GST_LIBRARY_ERROR_FAILED;
  gchar **parts, *text;

  for (guint i = 0; i < G_N_ELEMENTS (error_mappings); i++)
    if (error->domain == UF_ERROR && error->code == (gint) error_mappings[i].code)
      m = &error_mappings[i];
  if (m) {
    domain = m->domain ();
    code = m->gst_code;
  }
  if (sentence != NULL && domain == GST_LIBRARY_ERROR)
    code = GST_LIBRARY_ERROR_FAILED;    /* INIT and SETTINGS describe the start */
  if (sentence == NULL)
    sentence = m ? m->sentence : "Internal error in the inference engine.";
  parts = g_strsplit (sentence, "%s", 2);
  text = g_strjoinv (path ? path : "", parts);
  g_strfreev (parts);
  gst_element_message_full (element, GST_MESSAGE_ERROR, domain, code, text,
      g_strdup (error->message), file, function, line);
  g_error_free (error);
}

