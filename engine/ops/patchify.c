/* patchify.c: im2col for the patch embeddings (shaders/patchify.comp). */
#include "patchify.h"

#define MAX_GROUPS_Y 65535u   /* the shader folds larger token counts into Z */

guint32
uf_op_patchify_k (const UfPatchifyArgs *a)
{
  if (a->mode == 2)
    return a->Cin * a->tubelet * a->patch * a->patch;
  if (a->mode >= 3)
    return a->Cin * 27;
  return a->mode == 0 ? a->Cin * 48 : a->Cin * 4;
}

void
uf_op_patchify_record (UfRecorder *rec, const UfPatchifyArgs *a)
{
  /* four k per invocation when they are four aligned neighbours in the
   * source: kw in modes 0 and 2 (W, the patch and the slot stride
   * multiples of 4), c in modes 1 and 4 (Cin and in_off multiples of 4);
   * never in mode 3 (three kw) */
  guint32 across = a->mode == 1 || a->mode == 4 ? a->Cin : a->W | (a->mode == 2 ? a->patch : 0);
  gboolean texels = a->mode != 3 && uf_on_texels (across | a->in_off);
  guint32 spec[2] = { rec->tuning->rows_lx, texels };
  guint32 windows = a->mode == 0 || a->mode == 2 ? MAX (a->windows, 1) : 1;
  guint32 push[18] = { a->mode, a->T, a->H, a->W, a->Cin, a->To, a->Ho, a->Wo, a->in_off,
    a->out_off, a->slots_off, a->tubelet, a->patch, a->time_minor, a->stride_t, a->stride_s,
    a->to_first, windows };
  /* tokens along X (patchify.comp says why); modes 3 and 4 split each
   * token's K into runs along Y */
  guint32 tokens = windows * a->To * a->Ho * a->Wo, groups = uf_div_up (tokens, spec[0]);
  guint32 runs = a->mode == 3 ? a->Cin : a->mode == 4 ? 27 : 1;
  uf_rec_dispatch (rec, UF_SHADER_PATCHIFY, spec, 2, push, sizeof (push),
      MIN (groups, MAX_GROUPS_Y), runs, uf_div_up (groups, MAX_GROUPS_Y));
}

static void patchify_window (const UfPatchifyArgs *a, const UfHostBuffers *h);

void
uf_op_patchify_reference (const UfPatchifyArgs *a, const UfHostBuffers *h)
{
  guint32 windows = a->mode == 0 || a->mode == 2 ? MAX (a->windows, 1) : 1;
  for (guint32 w = 0; w < windows; w++) {
    UfPatchifyArgs one = *a;
    one.windows = 1;
    one.slots_off = a->slots_off + w * a->T;
    one.out_off = a->out_off + w * a->To * a->Ho * a->Wo * uf_op_patchify_k (a);
    patchify_window (&one, h);
  }
}

static void
patchify_window (const UfPatchifyArgs *a, const UfHostBuffers *h)
{
  guint32 K = uf_op_patchify_k (a);
  for (guint32 to = 0; to < a->To; to++)
    for (guint32 ho = 0; ho < a->Ho; ho++)
      for (guint32 wo = 0; wo < a->Wo; wo++)
        for (guint32 k = 0; k < K; k++) {
          guint32 token = (to * a->Ho + ho) * a->Wo + wo;
          float v = 0.0f;
          if (a->mode == 2) {
            guint32 pp = a->patch * a->patch;
            guint32 c = k / (a->tubelet * pp), kt = (k / pp) % a->tubelet;
            guint32 kh = (k / a->patch) % a->patch, kw = k % a->patch;
            guint32 slot = h->control[a->slots_off + to * a->tubelet + kt];
            v = h->ring[slot * a->in_off + (c * a->H + ho * a->patch + kh) * a->W
                + wo * a->patch + kw];
            if (a->time_minor)
              token = (ho * a->Wo + wo) * a->To + to;
          } else if (a->mode >= 3) {
            /* (c, kt, kh, kw) from the ring, (kt, kh, kw, c) from the arena */
            guint32 c = a->mode == 3 ? k / 27 : k % a->Cin;
            guint32 tap = a->mode == 3 ? k % 27 : k / a->Cin;
            int ti = (int) ((a->to_first + to) * a->stride_t + tap / 9) - 1;
            int hi = (int) (ho * a->stride_s + (tap / 3) % 3) - 1;
            int wi = (int) (wo * a->stride_s + tap % 3) - 1;
            if (ti >= 0 && ti < (int) a->T && hi >= 0 && hi < (int) a->H && wi >= 0
                && wi < (int) a->W)
              v = a->mode == 3
                  ? h->ring[h->control[a->slots_off + ti] * a->in_off
                      + (c * a->H + hi) * a->W + wi]
                  : h->arena[a->in_off + ((ti * a->H + hi) * a->W + wi) * a->Cin + c];
          } else if (a->mode == 0) {
            guint32 c = k / 48, kt = (k / 16) % 3, kh = (k / 4) % 4, kw = k % 4;
            int ti = 2 * to + kt - 1;
            if (ti >= 0 && ti < (int) a->T) {
              guint32 slot = h->control[a->slots_off + ti];
              v = h->ring[slot * a->in_off + (c * a->H + 4 * ho + kh) * a->W + 4 * wo + kw];
            }
          } else {
            guint32 c = k % a->Cin, kw = (k / a->Cin) % 2, kh = k / (2 * a->Cin);
            v = h->arena[a->in_off + ((to * a->H + 2 * ho + kh) * a->W + 2 * wo + kw) * a->Cin
                + c];
          }
          h->arena[a->out_off + token * K + k] = v;
        }
}
