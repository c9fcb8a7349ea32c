#version 450
// tokenmove.comp: token rows through an order (ops/tokenmove.h): a gather
// into the kept rows, or the scatter back with the dropped rows' fast
// update. One invocation per element; rows beyond 65535 workgroups fold
// into Z.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

// ROWS rows per workgroup: lavapipe runs a workgroup as one task, and
// one row of a few hundred channels is too little work for one.
layout(local_size_x_id = 0, local_size_y = 8) in;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };

layout(push_constant) uniform Push {
  uint scatter, N, K, C;
  uint in_off, out_off, order_off, saved_off;
} p;

void main()
{
  uint c = gl_GlobalInvocationID.x;
  uint r = gl_GlobalInvocationID.y + gl_GlobalInvocationID.z * 65535u * gl_WorkGroupSize.y;
  uint rows = p.scatter != 0u && p.N > p.K ? p.N : p.K;
  if (c >= p.C || r >= rows)
    return;
  uint t = p.order_off == 0xffffffffu ? r : uint(act[p.order_off + r]);
  if (p.scatter == 0u)
    act[p.out_off + r * p.C + c] = act[p.in_off + t * p.C + c];
  else if (r < p.K)
    act[p.out_off + t * p.C + c] = act[p.in_off + r * p.C + c];
  else
    act[p.out_off + t * p.C + c] += act[p.in_off + p.K * p.C + c] - act[p.saved_off + c];
}
