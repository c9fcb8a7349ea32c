#version 450
// preprocess.comp: one video frame (raw bytes in the staging buffer) to one
// ring slot: pixel-format conversion to RGB, bilinear resize
// (align_corners=False, no antialias, as F.interpolate), crop, channel order
// and normalisation, written planar [3][dst_h][dst_w].
//
// Resizing before or after normalising gives the same result (bilinear
// weights sum to 1), so this samples [0,1] RGB and normalises last.
#extension GL_GOOGLE_include_directive : require
#include "bindings.glsl"

layout(local_size_x_id = 0) in;

layout(std430, set = 0, binding = BINDING_RING) writeonly buffer Ring { float ring[]; };
layout(std430, set = 0, binding = BINDING_STAGING) readonly buffer Staging { uint bytes[]; };

// Formats, as UfPixelFormat in engine/uniformer.h.
#define FMT_RGB 0u
#define FMT_RGBA 1u
#define FMT_BGRA 2u
#define FMT_BGRX 3u
#define FMT_RGBX 4u
#define FMT_I420 5u
#define FMT_NV12 6u

layout(push_constant) uniform Push {
  uint format, src_w, src_h;
  uint plane_off0, plane_off1, plane_off2;
  uint stride0, stride1, stride2;
  uint dst_w, dst_h, slot_off;
  float scale_x, scale_y;     // source pixels per resized pixel
  uint crop_x0, crop_y0;      // crop origin in the resized image
  float mean0, mean1, mean2;  // model channel order
  float inv_std0, inv_std1, inv_std2;
  uint bgr;                   // model wants BGR
  float kr, kb;               // YUV matrix
  uint full_range;
} p;

float byte_at(uint offset)
{
  return float((bytes[offset >> 2] >> ((offset & 3u) * 8u)) & 0xffu);
}

vec3 yuv_to_rgb(float y, float u, float v)
{
  if (p.full_range != 0u) {
    y = y / 255.0;
    u = (u - 128.0) / 255.0;
    v = (v - 128.0) / 255.0;
  } else {
    y = (y - 16.0) / 219.0;
    u = (u - 128.0) / 224.0;
    v = (v - 128.0) / 224.0;
  }
  float r = y + 2.0 * (1.0 - p.kr) * v;
  float b = y + 2.0 * (1.0 - p.kb) * u;
  float g = (y - p.kr * r - p.kb * b) / (1.0 - p.kr - p.kb);
  return clamp(vec3(r, g, b), 0.0, 1.0);
}

// RGB in [0,1] of source pixel (x, y).
vec3 fetch(uint x, uint y)
{
  uint row = p.plane_off0 + y * p.stride0;
  switch (p.format) {
    case FMT_RGB: {
      uint o = row + 3u * x;
      return vec3(byte_at(o), byte_at(o + 1u), byte_at(o + 2u)) / 255.0;
    }
    case FMT_RGBA:
    case FMT_RGBX: {
      uint o = row + 4u * x;
      return vec3(byte_at(o), byte_at(o + 1u), byte_at(o + 2u)) / 255.0;
    }
    case FMT_BGRA:
    case FMT_BGRX: {
      uint o = row + 4u * x;
      return vec3(byte_at(o + 2u), byte_at(o + 1u), byte_at(o)) / 255.0;
    }
    case FMT_I420: {
      float u = byte_at(p.plane_off1 + (y / 2u) * p.stride1 + x / 2u);
      float v = byte_at(p.plane_off2 + (y / 2u) * p.stride2 + x / 2u);
      return yuv_to_rgb(byte_at(row + x), u, v);
    }
    default: { // NV12
      uint c = p.plane_off1 + (y / 2u) * p.stride1 + (x / 2u) * 2u;
      return yuv_to_rgb(byte_at(row + x), byte_at(c), byte_at(c + 1u));
    }
  }
}

// F.interpolate's source index for align_corners=False.
void source_index(uint dst, float scale, uint size, out uint i0, out uint i1, out float frac)
{
  float s = max((float(dst) + 0.5) * scale - 0.5, 0.0);
  i0 = min(uint(s), size - 1u);
  i1 = min(i0 + 1u, size - 1u);
  frac = s - float(i0);
}

void main()
{
  uint ox = gl_GlobalInvocationID.x, oy = gl_GlobalInvocationID.y;
  if (ox >= p.dst_w || oy >= p.dst_h)
    return;
  uint x0, x1, y0, y1;
  float fx, fy;
  source_index(ox + p.crop_x0, p.scale_x, p.src_w, x0, x1, fx);
  source_index(oy + p.crop_y0, p.scale_y, p.src_h, y0, y1, fy);
  vec3 top = mix(fetch(x0, y0), fetch(x1, y0), fx);
  vec3 bottom = mix(fetch(x0, y1), fetch(x1, y1), fx);
  vec3 rgb = mix(top, bottom, fy);
  if (p.bgr != 0u)
    rgb = rgb.bgr;
  vec3 n = (rgb - vec3(p.mean0, p.mean1, p.mean2)) * vec3(p.inv_std0, p.inv_std1, p.inv_std2);
  uint plane = p.dst_w * p.dst_h;
  uint o = p.slot_off + oy * p.dst_w + ox;
  ring[o] = n.r;
  ring[o + plane] = n.g;
  ring[o + 2u * plane] = n.b;
}
