// bindings.glsl: the one descriptor set layout every shader shares
// (engine/uf-vk.h lists the same numbers). A shader declares only the
// bindings it uses, with the element type it needs.
#define BINDING_ARENA 0      // activations, float
#define BINDING_WEIGHTS 1    // F32 weights and all 1-D parameters
#define BINDING_WEIGHTS16 2  // F16 weight matrices, two per uint
#define BINDING_RING 3       // preprocessed frame slots, float [slot][3][H][W]
#define BINDING_STAGING 4    // raw frame bytes
#define BINDING_CONTROL 5    // window slot indices
// The same memory as vec4 texels (engine/uf-vk.h says why)
#define BINDING_ARENA_TEXELS 6      // arena, RGBA32F
#define BINDING_WEIGHTS_TEXELS 7    // F32 weights, RGBA32F
#define BINDING_WEIGHTS16_TEXELS 8  // F16 weights, RGBA16F
#define BINDING_RING_TEXELS 9       // frame slots, RGBA32F
#define BINDING_WEIGHTS16_OCTETS 10 // F16 weights, RGBA32UI: eight per texel
