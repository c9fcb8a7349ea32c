// gelu.glsl: exact (erf) GELU, as nn.GELU() computes it, and the tanh
// form (ViViT's gelu_fast). GLSL has no erf;
// Abramowitz & Stegun 7.1.26 is within 1.5e-7 of it, far below the
// engine's 1e-3 logit tolerance.
float uf_erf(float x)
{
  float s = sign(x);
  float a = abs(x);
  float t = 1.0 / (1.0 + 0.3275911 * a);
  float y = 1.0 - (((((1.061405429 * t - 1.453152027) * t) + 1.421413741) * t
      - 0.284496736) * t + 0.254829592) * t * exp(-a * a);
  return s * y;
}

float uf_gelu(float x)
{
  return 0.5 * x * (1.0 + uf_erf(x * 0.70710678118654752));
}

// 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
float uf_gelu_tanh(float x)
{
  return 0.5 * x * (1.0 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
}
