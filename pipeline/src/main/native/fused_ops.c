/*
 * The elementwise steps of a no-autograd LLaMA layer on the CPU, one pass each, where torch runs
 * several ops and writes a full-size temporary per op:
 *   - rms_norm: x * rsqrt(mean(x²) + eps) * w over each row (torch: mul, mean, add, pow, mul, mul);
 *   - silu_mul: gate * sigmoid(gate) * up (the SwiGLU product; torch: sigmoid, mul, mul);
 *   - rope_heads: rotary on a projection's output [b, t, heads, hd], written head-major
 *     [b, heads, t, hd] as the attention reads it (torch: transpose, rotate_half, mul, mul, add, and a
 *     contiguous copy before the attention).
 *
 * Called from tallrec.llm.FusedOps (see its javadoc for the contract), in the library that holds the
 * fused attention (causal_attention.c) and only where it loaded, i.e. on CPUs with AVX-512F. The
 * arithmetic is the torch sequence's, in the same order; only the sums of squares (another order),
 * exp (within ~1e-7 relative) and the multiply-adds the compiler fuses (one rounding for two) differ.
 */
#include <immintrin.h>
#include <jni.h>
#include <math.h>
#include <stdint.h>

#pragma GCC push_options
#pragma GCC target("avx512f")

#include "avx512_exp.h"

/* exp(x) for any x up to 88 (above it clamps; sigmoid needs no more). */
static inline __m512 exp_any(__m512 x) {
  return exp_clamped(x, 88.0f);
}

/* The mask of the first `left` lanes of a vector (all 16 when left >= 16). */
static inline __mmask16 first_lanes(int64_t left) {
  return left >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << left) - 1u);
}

/* Rows [from, to) of x [rows, d]: out = (x * rsqrt(mean(x²) + eps)) * w. */
static void rms_norm(const float *x, const float *w, float *out, int64_t from, int64_t to, int64_t d, float eps) {
  for (int64_t r = from; r < to; r++) {
    const float *xr = x + r * d;
    float *orow = out + r * d;
    __m512 ss = _mm512_setzero_ps();
    for (int64_t j = 0; j < d; j += 16) {
      __m512 v = _mm512_maskz_loadu_ps(first_lanes(d - j), xr + j);
      ss = _mm512_fmadd_ps(v, v, ss);
    }
    float inv = 1.0f / sqrtf(_mm512_reduce_add_ps(ss) / (float) d + eps);
    __m512 s = _mm512_set1_ps(inv);
    for (int64_t j = 0; j < d; j += 16) {
      __mmask16 m = first_lanes(d - j);
      __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, xr + j), s);
      _mm512_mask_storeu_ps(orow + j, m, _mm512_mul_ps(v, _mm512_maskz_loadu_ps(m, w + j)));
    }
  }
}

/* Elements [from, to): out = (gate * sigmoid(gate)) * up, sigmoid(g) = 1 / (1 + exp(-g)). */
static void silu_mul(const float *gate, const float *up, float *out, int64_t from, int64_t to) {
  __m512 one = _mm512_set1_ps(1.0f);
  for (int64_t i = from; i < to; i += 16) {
    __mmask16 m = first_lanes(to - i);
    __m512 g = _mm512_maskz_loadu_ps(m, gate + i);
    __m512 sig = _mm512_div_ps(one, _mm512_add_ps(one, exp_any(_mm512_sub_ps(_mm512_setzero_ps(), g))));
    _mm512_mask_storeu_ps(out + i, m, _mm512_mul_ps(_mm512_mul_ps(g, sig), _mm512_maskz_loadu_ps(m, up + i)));
  }
}

/*
 * Positions [from, to) of b·t (row-major): x [b·t][heads][hd] → out [b][heads][t][hd] with
 * out = x*cos + rotate_half(x)*sin, rotate_half(x) = [-x2, x1], cos and sin [b·t][hd].
 */
static void rope_heads(const float *x, const float *cos, const float *sin, float *out, int64_t from, int64_t to,
    int64_t t, int64_t heads, int64_t hd) {
  int64_t half = hd / 2;
  for (int64_t p = from; p < to; p++) {
    int64_t r = p / t;
    int64_t i = p % t;
    const float *c = cos + p * hd;
    const float *s = sin + p * hd;
    for (int64_t h = 0; h < heads; h++) {
      const float *xi = x + (p * heads + h) * hd;
      float *o = out + ((r * heads + h) * t + i) * hd;
      for (int64_t j = 0; j < half; j++) {
        o[j] = xi[j] * c[j] + (-xi[j + half]) * s[j];
      }
      for (int64_t j = half; j < hd; j++) {
        o[j] = xi[j] * c[j] + xi[j - half] * s[j];
      }
    }
  }
}

#pragma GCC pop_options

/* The direct address of a buffer, or NULL (the Java side checks for -2). */
static float *address(JNIEnv *env, jobject buffer) {
  return (float *) (*env)->GetDirectBufferAddress(env, buffer);
}

/* Rows [from, to) of rms_norm; 0, or -2 when a buffer is not direct. */
JNIEXPORT jint JNICALL Java_tallrec_llm_FusedOps_rmsNorm(JNIEnv *env, jclass cls, jobject xb, jobject wb, jobject ob,
    jlong from, jlong to, jlong d, jfloat eps) {
  (void) cls;
  float *x = address(env, xb);
  float *w = address(env, wb);
  float *out = address(env, ob);
  if (x == NULL || w == NULL || out == NULL) {
    return -2;
  }
  rms_norm(x, w, out, from, to, d, eps);
  return 0;
}

/* Elements [from, to) of silu_mul; 0, or -2 when a buffer is not direct. */
JNIEXPORT jint JNICALL Java_tallrec_llm_FusedOps_siluMul(JNIEnv *env, jclass cls, jobject gb, jobject ub, jobject ob,
    jlong from, jlong to) {
  (void) cls;
  float *g = address(env, gb);
  float *u = address(env, ub);
  float *out = address(env, ob);
  if (g == NULL || u == NULL || out == NULL) {
    return -2;
  }
  silu_mul(g, u, out, from, to);
  return 0;
}

/* Positions [from, to) of rope_heads; 0, or -2 when a buffer is not direct. */
JNIEXPORT jint JNICALL Java_tallrec_llm_FusedOps_ropeHeads(JNIEnv *env, jclass cls, jobject xb, jobject cb,
    jobject sb, jobject ob, jlong from, jlong to, jlong t, jlong heads, jlong hd) {
  (void) cls;
  float *x = address(env, xb);
  float *c = address(env, cb);
  float *s = address(env, sb);
  float *out = address(env, ob);
  if (x == NULL || c == NULL || s == NULL || out == NULL) {
    return -2;
  }
  rope_heads(x, c, s, out, from, to, t, heads, hd);
  return 0;
}
