/* uniformer-model-cache.c: models shared between uniformerinfer elements
 * (uniformer-model-cache.h). */
#include "uniformer-model-cache.h"

#include <glib/gstdio.h>

struct _UniformerModelCache {
  gint refcount;
  gchar *group;
  GMutex lock;
  GHashTable *entries;          /* key -> Entry */
};

typedef struct {
  UfModel *model;
  guint users;
  UniformerBatcher *batcher;    /* made by the first element that runs */
  GArray *phases;               /* gboolean per phase: held by a running element */
} Entry;

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_clear_pointer (&e->batcher, uniformer_batcher_unref);
  g_array_unref (e->phases);
  uf_model_unref (e->model);
  g_free (e);
}

/* group -> cache; the caches are kept for the process's lifetime (an
 * empty one is a hash table), their entries only while used. */
static GMutex groups_lock;
static GHashTable *groups;

UniformerModelCache *
uniformer_model_cache_get (const gchar * group)
{
  UniformerModelCache *cache;

  group = group ? group : "";
  g_mutex_lock (&groups_lock);
  if (groups == NULL)
    groups = g_hash_table_new (g_str_hash, g_str_equal);
  cache = g_hash_table_lookup (groups, group);
  if (cache == NULL) {
    cache = g_new0 (UniformerModelCache, 1);
    cache->refcount = 1;
    cache->group = g_strdup (group);
    g_mutex_init (&cache->lock);
    cache->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
    g_hash_table_insert (groups, cache->group, cache);
  }
  uniformer_model_cache_ref (cache);
  g_mutex_unlock (&groups_lock);
  return cache;
}

UniformerModelCache *
uniformer_model_cache_ref (UniformerModelCache * cache)
{
  g_atomic_int_inc (&cache->refcount);
  return cache;
}

/* The groups' table holds a reference: a cache is never freed. */
void
uniformer_model_cache_unref (UniformerModelCache * cache)
{
  g_return_if_fail (!g_atomic_int_dec_and_test (&cache->refcount));
}

const gchar *
uniformer_model_cache_group (UniformerModelCache * cache)
{
  return cache->group;
}

/* The device selector and the file, by identity (device, inode) and
 * version (size, modification time), so that two paths to one file share
 * and a file replaced on disk does not. A file that cannot be read gets a
 * key of its own; loading it reports why. */
static gchar *
entry_key (const gchar * device, const gchar * path)
{
  GStatBuf st;

  if (g_stat (path, &st) != 0)
    return g_strdup_printf ("%s\n%s", device ? device : "", path);
  return g_strdup_printf ("%s\n%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT ":%" G_GINT64_FORMAT
      ":%" G_GINT64_FORMAT, device ? device : "", (guint64) st.st_dev, (guint64) st.st_ino,
      (gint64) st.st_size, (gint64) st.st_mtime);
}

UfModel *
uniformer_model_cache_acquire (UniformerModelCache * cache, const gchar * device,
    const gchar * path, GError ** error)
{
  gchar *key = entry_key (device, path);
  UfModel *model = NULL;
  Entry *e;

  /* Loading holds the lock: a second element asking for the same model
   * waits for the first to load it instead of loading it again. */
  g_mutex_lock (&cache->lock);
  e = g_hash_table_lookup (cache->entries, key);
  if (e == NULL) {
    UfDevice *dev = uf_device_open (device, error);

    model = dev ? uf_model_load (dev, path, error) : NULL;
    g_clear_pointer (&dev, uf_device_unref);   /* the model holds its device */
    if (model) {
      e = g_new0 (Entry, 1);
      e->model = model;
      e->phases = g_array_new (FALSE, TRUE, sizeof (gboolean));
      g_hash_table_insert (cache->entries, g_steal_pointer (&key), e);
    }
  }
  if (e) {
    e->users++;
    model = uf_model_ref (e->model);
  }
  g_mutex_unlock (&cache->lock);
  g_free (key);
  return model;
}

/* The entry holding @model, and its key in *key. cache->lock held. */
static Entry *
entry_of (UniformerModelCache * cache, UfModel * model, gpointer * key)
{
  GHashTableIter it;
  gpointer k, value;

  g_hash_table_iter_init (&it, cache->entries);
  while (g_hash_table_iter_next (&it, &k, &value))
    if (((Entry *) value)->model == model) {
      if (key)
        *key = k;
      return value;
    }
  return NULL;
}

void
uniformer_model_cache_release (UniformerModelCache * cache, UfModel * model)
{
  gpointer key;
  Entry *e;

  g_mutex_lock (&cache->lock);
  e = entry_of (cache, model, &key);
  if (e && --e->users == 0)
    g_hash_table_remove (cache->entries, key);  /* frees e */
  g_mutex_unlock (&cache->lock);
  uf_model_unref (model);
}

UniformerBatcher *
uniformer_model_cache_get_batcher (UniformerModelCache * cache, UfModel * model,
    guint max_batch, GError ** error)
{
  UniformerBatcher *batcher = NULL;
  Entry *e;

  g_mutex_lock (&cache->lock);
  e = entry_of (cache, model, NULL);
  if (e && e->batcher == NULL)
    e->batcher = uniformer_batcher_new (model, max_batch, error);
  if (e && e->batcher)
    batcher = uniformer_batcher_ref (e->batcher);
  g_mutex_unlock (&cache->lock);
  if (e == NULL)
    g_set_error (error, UF_ERROR, UF_ERROR_ARGUMENT, "the model is not in the cache");
  return batcher;
}

guint
uniformer_model_cache_users (UniformerModelCache * cache, UfModel * model)
{
  Entry *e;
  guint users;

  g_mutex_lock (&cache->lock);
  e = entry_of (cache, model, NULL);
  users = e ? e->users : 0;
  g_mutex_unlock (&cache->lock);
  return users;
}

guint
uniformer_model_cache_take_phase (UniformerModelCache * cache, UfModel * model)
{
  guint phase = 0;
  Entry *e;

  g_mutex_lock (&cache->lock);
  e = entry_of (cache, model, NULL);
  if (e) {
    while (phase < e->phases->len && g_array_index (e->phases, gboolean, phase))
      phase++;
    if (phase == e->phases->len)
      g_array_set_size (e->phases, phase + 1);
    g_array_index (e->phases, gboolean, phase) = TRUE;
  }
  g_mutex_unlock (&cache->lock);
  return phase;
}

void
uniformer_model_cache_give_phase (UniformerModelCache * cache, UfModel * model, guint phase)
{
  Entry *e;

  g_mutex_lock (&cache->lock);
  e = entry_of (cache, model, NULL);
  if (e && phase < e->phases->len)
    g_array_index (e->phases, gboolean, phase) = FALSE;
  g_mutex_unlock (&cache->lock);
}

GstContext *
uniformer_model_cache_context_new (UniformerModelCache * cache)
{
  GstContext *context = gst_context_new (UNIFORMER_MODEL_CACHE_CONTEXT, TRUE);

  gst_structure_set (gst_context_writable_structure (context), "group", G_TYPE_STRING,
      cache->group, NULL);
  return context;
}

UniformerModelCache *
uniformer_model_cache_from_context (const GstContext * context)
{
  if (g_strcmp0 (gst_context_get_context_type (context), UNIFORMER_MODEL_CACHE_CONTEXT) != 0)
    return NULL;
  return uniformer_model_cache_get (gst_structure_get_string (gst_context_get_structure
          (context), "group"));
}
