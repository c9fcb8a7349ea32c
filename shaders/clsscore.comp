#version 450
// clsscore.comp: the cls row's attention averaged over heads, folded into
// the token scores (ops/clsscore.h). Phase 0, a workgroup per head: the
// lanes take the keys in turn, then reduce the maximum and the sum in
// shared memory, and leave that head's probabilities in the scratch rows.
// Phase 1, an invocation per score: the mean over heads, and the update.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };

layout(push_constant) uniform Push {
  uint phase, L, C, head_dim, n;
  uint qkv_off, score_off, order_off, probs_off;
  float scale, trade_off;
  uint first;
} p;

shared float reduce[gl_WorkGroupSize.x];

// The lanes' values combined: the maximum, or the sum.
float combine(float v, bool take_max)
{
  uint lane = gl_LocalInvocationID.x;
  reduce[lane] = v;
  barrier();
  if (lane == 0u) {
    float r = reduce[0];
    for (uint i = 1u; i < gl_WorkGroupSize.x; i++)
      r = take_max ? max(r, reduce[i]) : r + reduce[i];
    reduce[0] = r;
  }
  barrier();
  float r = reduce[0];
  barrier();
  return r;
}

void softmax_head(uint h)
{
  uint lane = gl_LocalInvocationID.x, C3 = 3u * p.C;
  uint q = p.qkv_off + h * p.head_dim, row = p.probs_off + h * p.L;
  float top = -1.0 / 0.0;
  for (uint j = lane; j < p.L; j += gl_WorkGroupSize.x) {
    uint k = p.qkv_off + j * C3 + p.C + h * p.head_dim;
    float dot = 0.0;
    for (uint d = 0u; d < p.head_dim; d++)
      dot += act[q + d] * act[k + d];
    act[row + j] = dot * p.scale;
    top = max(top, dot * p.scale);
  }
  top = combine(top, true);
  float sum = 0.0;
  for (uint j = lane; j < p.L; j += gl_WorkGroupSize.x) {
    float e = exp(act[row + j] - top);
    act[row + j] = e;
    sum += e;
  }
  sum = combine(sum, false);
  for (uint j = lane; j < p.L; j += gl_WorkGroupSize.x)
    act[row + j] /= sum;
}

void main()
{
  if (p.phase == 0u) {
    softmax_head(gl_WorkGroupID.x);
    return;
  }
  uint j = gl_GlobalInvocationID.x + 1u;
  if (j > p.n)
    return;
  uint heads = p.C / p.head_dim;
  float s = 0.0;
  for (uint h = 0u; h < heads; h++)
    s += act[p.probs_off + h * p.L + j];
  s /= float(heads);
  uint t = p.order_off == 0xffffffffu ? j - 1u : uint(act[p.order_off + j - 1u]);
  uint g = p.score_off + t;
  act[g] = p.first != 0u ? s : (1.0 - p.trade_off) * act[g] + p.trade_off * s;
}
