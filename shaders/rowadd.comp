#version 450
// rowadd.comp: adds a table of rows to rows of the arena, in place:
// x[r][c] += table[r][c], or x[r][c] = table[r][c] for the first `replace`
// rows (a cls row the patch embedding did not write). The video ViTs'
// position and time embeddings. One invocation per element; rows beyond
// 65535 workgroups fold into Z.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

// ROWS rows per workgroup: lavapipe runs a workgroup as one task, and
// one row of a few hundred channels is too little work for one.
layout(local_size_x_id = 0, local_size_y = 8) in;

layout(std430, set = 0, binding = BINDING_ARENA) buffer Arena { float act[]; };
layout(std430, set = 0, binding = BINDING_WEIGHTS) readonly buffer Weights { float w[]; };

layout(push_constant) uniform Push {
  uint rows, C;
  uint off, table_off;
  uint replace;
} p;

void main()
{
  uint c = gl_GlobalInvocationID.x;
  uint r = gl_GlobalInvocationID.y + gl_GlobalInvocationID.z * 65535u * gl_WorkGroupSize.y;
  if (c >= p.C || r >= p.rows)
    return;
  uint e = r * p.C + c;
  float base = r < p.replace ? 0.0 : act[p.off + e];
  act[p.off + e] = base + w[p.table_off + e];
}
