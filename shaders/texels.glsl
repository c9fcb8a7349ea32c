// texels.glsl: the texel views of the arena, the weights and the frame ring
// (engine/uf-vk.h says why the lavapipe shaders read through them). With
// TEXEL_LOADS set, the includer has a bool specialization constant TEXELS
// and float arrays act[] (BINDING_ARENA) and w[] (BINDING_WEIGHTS), and gets
// load_act/load_w: four values from a texel when TEXELS, else one in .x.
layout(set = 0, binding = BINDING_ARENA_TEXELS) uniform samplerBuffer act_texels;
layout(set = 0, binding = BINDING_WEIGHTS_TEXELS) uniform samplerBuffer weights_texels;
layout(set = 0, binding = BINDING_WEIGHTS16_TEXELS) uniform samplerBuffer weights16_texels;
layout(set = 0, binding = BINDING_RING_TEXELS) uniform samplerBuffer ring_texels;
layout(set = 0, binding = BINDING_WEIGHTS16_OCTETS) uniform usamplerBuffer weights16_octets;

#if TEXEL_LOADS
// From element e (a multiple of 4 when TEXELS); the rest zero otherwise.
vec4 load_act(uint e)
{
  return TEXELS ? texelFetch(act_texels, int(e >> 2)) : vec4(act[e], 0.0, 0.0, 0.0);
}

vec4 load_w(uint e)
{
  return TEXELS ? texelFetch(weights_texels, int(e >> 2)) : vec4(w[e], 0.0, 0.0, 0.0);
}
#endif
