/*
 * Causal attention without autograd, fused: softmax(q·kᵀ·scale, over the keys a query may see)·v,
 * one query at a time, never materialising the [rows × heads × queries × keys] score tensor that
 * torch's matmul → add(mask) → softmax → matmul sequence writes and reads five times over.
 *
 * Called from tallrec.llm.NativeAttention (see its javadoc for the contract). Layouts, all F32 and
 * contiguous: q [b][heads][t][hd], out the same or token-major [b][t][heads][hd], k and v
 * [b][kvHeads][keys][hd]; head h reads kv head h / (heads / kvHeads) (grouped-query attention, as
 * Hugging Face's repeat_kv). Query i of row r sees key j iff j <= self[r*t + i] and
 * (valid[r*keys + j] or j == self[r*t + i]): the causal and padding mask of
 * LlamaModel.positionsAndMask, where a masked key's exp(score - max) is exactly 0.
 *
 * The kernel is AVX-512 (16 keys per vector, masks for the keys a query may not see). It is compiled
 * for AVX-512 whatever the build machine, and used only where the CPU has it (supported() below,
 * checked at run time); elsewhere the Java side keeps torch's ops.
 */
#include <immintrin.h>
#include <jni.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LANES 16

#pragma GCC push_options
#pragma GCC target("avx512f")

#include "avx512_exp.h"

/*
 * exp(x) for x <= 0: a score minus the row's maximum. A key that is not visible may score above it;
 * it is clamped to 0, and its weight zeroed afterwards.
 */
static inline __m512 exp_nonpositive(__m512 x) {
  return exp_clamped(x, 0.0f);
}

/*
 * One (row, kv head) unit: the kv head's keys and values transposed to [hd][keys] (so a query's
 * scores and its weighted sum run 16 keys per vector), then every query of every head of the group.
 * Inlined into one function per common head dimension below, so that the loops over it have a
 * constant bound. scratch: 2·hd·padded + padded + hd floats; masks: padded/16.
 */
static inline __attribute__((always_inline)) void unit_body(const float *q, const float *k, const float *v,
    float *out, const uint8_t *valid, const int32_t *self, int t, int keys, const int hd, int groups, float scale,
    size_t oHead, size_t oPos, float *scratch, uint16_t *visible) {
  int padded = (keys + LANES - 1) / LANES * LANES;
  float *kt = scratch;
  float *vt = kt + (size_t) hd * padded;
  float *s = vt + (size_t) hd * padded;
  float *qs = s + padded;
  for (int d = 0; d < hd; d++) {
    for (int j = 0; j < keys; j++) {
      kt[(size_t) d * padded + j] = k[(size_t) j * hd + d];
      vt[(size_t) d * padded + j] = v[(size_t) j * hd + d];
    }
    for (int j = keys; j < padded; j++) {
      kt[(size_t) d * padded + j] = 0.0f;
      vt[(size_t) d * padded + j] = 0.0f;
    }
  }
  for (int jb = 0; jb < padded / LANES; jb++) {
    uint16_t m = 0;
    for (int l = 0; l < LANES; l++) {
      int j = jb * LANES + l;
      if (j < keys && valid[j]) {
        m |= (uint16_t) (1u << l);
      }
    }
    visible[jb] = m;
  }
  for (int g = 0; g < groups; g++) {
    for (int i = 0; i < t; i++) {
      const float *qi = q + ((size_t) g * t + i) * hd;
      float *oi = out + (size_t) g * oHead + (size_t) i * oPos;
      int me = self[i];
      int n = me + 1;                 /* keys 0..me are the only ones it may see */
      int blocks = (n + LANES - 1) / LANES;
      int last = blocks - 1;
      uint16_t kept = visible[me / LANES];
      visible[me / LANES] |= (uint16_t) (1u << (me % LANES)); /* it always sees itself */
      /* the last block's lanes past me are not visible, whatever their validity */
      __mmask16 lastMask = (__mmask16) (visible[last] & (uint16_t) ((1u << (n - last * LANES)) - 1u));
      for (int d = 0; d < hd; d++) {
        qs[d] = qi[d] * scale;        /* as torch: (q·scale)·kᵀ */
      }
      __m512 mx = _mm512_set1_ps(-3.0e38f);
      for (int jb = 0; jb < blocks; jb++) {
        int j = jb * LANES;
        __m512 acc = _mm512_mul_ps(_mm512_set1_ps(qs[0]), _mm512_loadu_ps(kt + j));
        for (int d = 1; d < hd; d++) {
          acc = _mm512_fmadd_ps(_mm512_set1_ps(qs[d]), _mm512_loadu_ps(kt + (size_t) d * padded + j), acc);
        }
        _mm512_storeu_ps(s + j, acc);
        __mmask16 km = jb == last ? lastMask : (__mmask16) visible[jb];
        mx = _mm512_mask_max_ps(mx, km, mx, acc);
      }
      __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
      __m512 sum = _mm512_setzero_ps();
      for (int jb = 0; jb < blocks; jb++) {
        int j = jb * LANES;
        __mmask16 km = jb == last ? lastMask : (__mmask16) visible[jb];
        __m512 p = _mm512_maskz_mov_ps(km, exp_nonpositive(_mm512_sub_ps(_mm512_loadu_ps(s + j), m)));
        _mm512_storeu_ps(s + j, p);
        sum = _mm512_add_ps(sum, p);
      }
      float inv = 1.0f / _mm512_reduce_add_ps(sum);
      /* the weighted sum, 8 output dimensions at a time: each block of weights is loaded once per 8 */
      for (int d0 = 0; d0 < hd; d0 += 8) {
        int w = hd - d0 < 8 ? hd - d0 : 8;
        __m512 acc[8];
        for (int c = 0; c < 8; c++) {
          acc[c] = _mm512_setzero_ps();
        }
        for (int jb = 0; jb < blocks; jb++) {
          int j = jb * LANES;
          __m512 p = _mm512_loadu_ps(s + j);
          for (int c = 0; c < w; c++) {
            acc[c] = _mm512_fmadd_ps(p, _mm512_loadu_ps(vt + (size_t) (d0 + c) * padded + j), acc[c]);
          }
        }
        for (int c = 0; c < w; c++) {
          oi[d0 + c] = _mm512_reduce_add_ps(acc[c]) * inv;
        }
      }
      visible[me / LANES] = kept;
    }
  }
}

#define UNIT(NAME, HD)                                                                                     \
  static void NAME(const float *q, const float *k, const float *v, float *out, const uint8_t *valid,       \
      const int32_t *self, int t, int keys, int hd, int groups, float scale, size_t oHead, size_t oPos,      \
      float *scratch, uint16_t *vis) {                                                                       \
    unit_body(q, k, v, out, valid, self, t, keys, HD, groups, scale, oHead, oPos, scratch, vis);           \
  }

UNIT(unit8, 8)
UNIT(unit16, 16)
UNIT(unit32, 32)
UNIT(unit64, 64)
UNIT(unit128, 128)
UNIT(unit_any, hd)

#pragma GCC pop_options

typedef void (*unit_fn)(const float *, const float *, const float *, float *, const uint8_t *, const int32_t *, int,
    int, int, int, float, size_t, size_t, float *, uint16_t *);

static unit_fn unit_for(int hd) {
  switch (hd) {
    case 8: return unit8;
    case 16: return unit16;
    case 32: return unit32;
    case 64: return unit64;
    case 128: return unit128;
    default: return unit_any;
  }
}

/* Whether this CPU runs the kernel (AVX-512F). */
JNIEXPORT jboolean JNICALL Java_tallrec_llm_NativeAttention_supported(JNIEnv *env, jclass cls) {
  (void) env;
  (void) cls;
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") ? JNI_TRUE : JNI_FALSE;
}

/*
 * Units [from, to) of b·kvHeads (row r, kv head g = unit % kvHeads). The output is [b][heads][t][hd]
 * as q, or with tokenMajor [b][t][heads][hd], the layout the output projection reads (no transposed
 * copy then). Returns 0; -1 when scratch memory could not be had, -2 when a buffer is not direct
 * (nothing is written then).
 */
JNIEXPORT jint JNICALL Java_tallrec_llm_NativeAttention_attend(JNIEnv *env, jclass cls, jobject qb, jobject kb,
    jobject vb, jobject ob, jbyteArray validArr, jintArray selfArr, jint b, jint heads, jint kvHeads, jint t,
    jint keys, jint hd, jfloat scale, jboolean tokenMajor, jlong from, jlong to) {
  (void) cls;
  (void) b;
  const float *q = (const float *) (*env)->GetDirectBufferAddress(env, qb);
  const float *k = (const float *) (*env)->GetDirectBufferAddress(env, kb);
  const float *v = (const float *) (*env)->GetDirectBufferAddress(env, vb);
  float *out = (float *) (*env)->GetDirectBufferAddress(env, ob);
  if (q == NULL || k == NULL || v == NULL || out == NULL) {
    return -2;
  }
  int groups = heads / kvHeads;
  int padded = (keys + LANES - 1) / LANES * LANES;
  size_t scratchFloats = (size_t) 2 * hd * padded + (size_t) padded + (size_t) hd;
  float *scratch = (float *) malloc(scratchFloats * sizeof(float));
  uint16_t *visible = (uint16_t *) malloc((size_t) (padded / LANES) * sizeof(uint16_t));
  uint8_t *valid = (uint8_t *) malloc((size_t) keys);
  int32_t *self = (int32_t *) malloc((size_t) t * sizeof(int32_t));
  if (scratch == NULL || visible == NULL || valid == NULL || self == NULL) {
    free(scratch);
    free(visible);
    free(valid);
    free(self);
    return -1;
  }
  unit_fn unit = unit_for(hd);
  for (int u = from; u < to; u++) {
    int r = u / kvHeads;
    int g = u % kvHeads;
    (*env)->GetByteArrayRegion(env, validArr, (jsize) r * keys, keys, (jbyte *) valid);
    (*env)->GetIntArrayRegion(env, selfArr, (jsize) r * t, t, (jint *) self);
    size_t kvOff = ((size_t) r * kvHeads + g) * keys * hd;
    size_t qOff = ((size_t) r * heads + (size_t) g * groups) * t * hd;
    /* head h = g·groups + gg, query i: head-major (r·heads + h)·t + i, token-major (r·t + i)·heads + h */
    size_t oOff = tokenMajor ? ((size_t) r * t * heads + (size_t) g * groups) * hd : qOff;
    size_t oHead = tokenMajor ? (size_t) hd : (size_t) t * hd;
    size_t oPos = tokenMajor ? (size_t) heads * hd : (size_t) hd;
    unit(q + qOff, k + kvOff, v + kvOff, out + oOff, valid, self, t, keys, hd, groups, scale, oHead, oPos, scratch,
        visible);
  }
  free(scratch);
  free(visible);
  free(valid);
  free(self);
  return 0;
}
