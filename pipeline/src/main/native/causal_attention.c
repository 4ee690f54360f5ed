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
 * For training (autograd on), the forward also writes each query's log-sum-exp of its scaled scores,
 * and attendBackward (grad_body) below turns the gradient of the output into those of q, k and v (the
 * FlashAttention-2 backward: each probability recomputed from its score and the log-sum-exp, never
 * stored), so the score tensor and its softmax are not kept for backward either.
 *
 * The kernels are AVX-512 (16 keys per vector, masks for the keys a query may not see). They are compiled
 * for AVX-512 whatever the build machine, and used only where the CPU has it (supported() below,
 * checked at run time); elsewhere the Java side keeps torch's ops.
 */
#include <immintrin.h>
#include <jni.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define LANES 16

/*
 * Keys per tile of the backward (a multiple of 16): the tile's slices of kt, vt, dkt and dvt and its
 * key rows take about 4 KB each, so that they stay in the first-level cache while every query that
 * sees the tile walks it. hd 8: 128 keys, 16: 64, 32: 32, 64 and up: 16.
 */
static inline int grad_tile_keys(int hd) {
  return hd >= 64 ? LANES : 64 / hd * LANES;
}

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

/* k and v [keys][hd] transposed to kt and vt [hd][padded], the lanes past the keys zero. */
static inline __attribute__((always_inline)) void transpose_kv(const float *k, const float *v, float *kt, float *vt,
    int keys, const int hd, int padded) {
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
}

/* visible[jb]: bit l set when key jb·16 + l is a real token. */
static inline void visible_blocks(const uint8_t *valid, int keys, int padded, uint16_t *visible) {
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
}

/*
 * One (row, kv head) unit: the kv head's keys and values transposed to [hd][keys] (so a query's
 * scores and its weighted sum run 16 keys per vector), then every query of every head of the group.
 * Inlined into one function per common head dimension below, so that the loops over it have a
 * constant bound. scratch: unit_scratch_floats below; masks: padded/16.
 */
static inline __attribute__((always_inline)) void unit_body(const float *q, const float *k, const float *v,
    float *out, const uint8_t *valid, const int32_t *self, int t, int keys, const int hd, int groups, float scale,
    size_t oHead, size_t oPos, float *lse, float *scratch, uint16_t *visible) {
  int padded = (keys + LANES - 1) / LANES * LANES;
  float *kt = scratch;
  float *vt = kt + (size_t) hd * padded;
  float *s = vt + (size_t) hd * padded;
  float *qs = s + padded;
  transpose_kv(k, v, kt, vt, keys, hd, padded);
  visible_blocks(valid, keys, padded, visible);
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
      float total = _mm512_reduce_add_ps(sum);
      float inv = 1.0f / total;
      if (lse != NULL) {
        lse[(size_t) g * t + i] = _mm512_reduce_max_ps(mx) + logf(total);
      }
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
      float *lse, float *scratch, uint16_t *vis) {                                                           \
    unit_body(q, k, v, out, valid, self, t, keys, HD, groups, scale, oHead, oPos, lse, scratch, vis);      \
  }

UNIT(unit8, 8)
UNIT(unit16, 16)
UNIT(unit32, 32)
UNIT(unit64, 64)
UNIT(unit128, 128)
UNIT(unit_any, hd)

/* dq's partial sums per output vector: its terms alternate over them, so its FMAs need not wait on one another. */
#define DQ_PARTS 4

/*
 * nb (1 or 2) blocks of 16 keys from key j for one query (me): its scores and dP, then P and dS, added
 * into the tile's dkt and dvt and into dq's partial sums. Two blocks at a time give the FMAs of s and dP
 * four independent chains; each key's score is still the forward's sum, in the forward's order.
 */
static inline __attribute__((always_inline)) void grad_blocks(const int nb, int j, int me, int t0,
    const float *qsi, const float *doi, __m512 lsev, __m512 dsumv, const float *kt, const float *vt,
    const float *kr, float *dkt, float *dvt, int padded, int tile, const int hd, const uint16_t *visible,
    __m512 *dqacc) {
  const int chunks = (hd + LANES - 1) / LANES;
  __m512 s[2], dp[2], p[2], ds[2];
  __mmask16 km[2];
  for (int b = 0; b < nb; b++) {
    int jb = j + b * LANES;
    km[b] = (__mmask16) visible[jb / LANES];
    if (me - jb < LANES) {            /* me's block: it sees itself, and no key after it */
      km[b] = (__mmask16) ((km[b] | (1u << (me - jb))) & ((2u << (me - jb)) - 1u));
    }
  }
  if (km[0] == 0 && (nb == 1 || km[1] == 0)) {
    return;                           /* padding only: nothing to add */
  }
  for (int b = 0; b < nb; b++) {
    int jb = j + b * LANES;
    s[b] = _mm512_mul_ps(_mm512_set1_ps(qsi[0]), _mm512_loadu_ps(kt + jb));
    dp[b] = _mm512_mul_ps(_mm512_set1_ps(doi[0]), _mm512_loadu_ps(vt + jb));
  }
  for (int d = 1; d < hd; d++) {
    __m512 qd = _mm512_set1_ps(qsi[d]);
    __m512 od = _mm512_set1_ps(doi[d]);
    for (int b = 0; b < nb; b++) {
      s[b] = _mm512_fmadd_ps(qd, _mm512_loadu_ps(kt + (size_t) d * padded + j + b * LANES), s[b]);
      dp[b] = _mm512_fmadd_ps(od, _mm512_loadu_ps(vt + (size_t) d * padded + j + b * LANES), dp[b]);
    }
  }
  for (int b = 0; b < nb; b++) {
    /* a key it may not see can score above lse: clamped, then zeroed */
    p[b] = _mm512_maskz_mov_ps(km[b], exp_clamped(_mm512_sub_ps(s[b], lsev), 0.0f));
    ds[b] = _mm512_mul_ps(p[b], _mm512_sub_ps(dp[b], dsumv));
  }
  int jl = j - t0;
  for (int d = 0; d < hd; d++) {
    __m512 qd = _mm512_set1_ps(qsi[d]);
    __m512 od = _mm512_set1_ps(doi[d]);
    for (int b = 0; b < nb; b++) {
      float *dvd = dvt + (size_t) d * tile + jl + b * LANES;
      float *dkd = dkt + (size_t) d * tile + jl + b * LANES;
      _mm512_storeu_ps(dvd, _mm512_fmadd_ps(p[b], od, _mm512_loadu_ps(dvd)));
      _mm512_storeu_ps(dkd, _mm512_fmadd_ps(ds[b], qd, _mm512_loadu_ps(dkd)));
    }
  }
  for (int b = 0; b < nb; b++) {
    const float *krow = kr + (size_t) (j + b * LANES) * hd;
    if (hd == 8) {
      /* two keys' rows per vector: lanes 0-7 take dS of key 2m, lanes 8-15 of key 2m + 1 */
      for (int m = 0; m < LANES / 2; m++) {
        __m512i idx = _mm512_set_epi32(2 * m + 1, 2 * m + 1, 2 * m + 1, 2 * m + 1, 2 * m + 1, 2 * m + 1,
            2 * m + 1, 2 * m + 1, 2 * m, 2 * m, 2 * m, 2 * m, 2 * m, 2 * m, 2 * m, 2 * m);
        int part = m % DQ_PARTS;
        dqacc[part] = _mm512_fmadd_ps(_mm512_permutexvar_ps(idx, ds[b]), _mm512_loadu_ps(krow + 16 * m),
            dqacc[part]);
      }
    } else {
      for (int l = 0; l < LANES; l++) {
        __m512 bl = _mm512_permutexvar_ps(_mm512_set1_epi32(l), ds[b]);
        int part = l % DQ_PARTS;
        for (int c = 0; c < chunks; c++) {
          dqacc[part * chunks + c] = _mm512_fmadd_ps(bl, _mm512_loadu_ps(krow + (size_t) l * hd + c * LANES),
              dqacc[part * chunks + c]);
        }
      }
    }
  }
}

/*
 * The backward of one (row, kv head) unit, for the queries and keys of unit_body's forward. With
 * P_ij = exp(s_ij - lse_i) (s = (q·scale)·k, the probabilities the forward used) and
 * D_i = dO_i · O_i: dV_j += P_ij dO_i, dS_ij = P_ij (dO_i · v_j - D_i), dq_i = scale Σ_j dS_ij k_j,
 * dk_j += Σ_i dS_ij (q_i·scale). dk and dv sum over the group's heads (grouped-query attention).
 *
 * Keys are walked in tiles (grad_tile_keys), and for each tile every query that sees a key of it, as
 * FlashAttention-2's backward: the tile's dk and dv accumulate in a small transposed buffer and are
 * written back once, and dq accumulates in registers over the tile. Walking all keys per query instead
 * read and wrote the whole transposed dk and dv (4·hd·keys floats, beyond the first-level cache for
 * TALLRec's prompts) once per query. For a fixed key the queries still add in the same order (group,
 * then query), so dk and dv are the sums of the untiled walk; dq adds its terms in another order.
 *
 * 16 keys per vector in the transposed layout of the forward for s, dP, dk and dv; dq from the keys'
 * rows (one key's row per vector, its dS broadcast), so it needs no reduction across lanes. o and dO
 * have the forward output's layout (oHead, oPos); q, dq [heads of the group][t][hd]; lse [heads of the
 * group][t]. scratch: grad_scratch_floats below.
 */
static inline __attribute__((always_inline)) void grad_body(const float *q, const float *k, const float *v,
    const float *o, const float *dout, const float *lse, float *dq, float *dk, float *dv, const uint8_t *valid,
    const int32_t *self, int t, int keys, const int hd, int groups, float scale, size_t oHead, size_t oPos,
    float *scratch, uint16_t *visible) {
  int padded = (keys + LANES - 1) / LANES * LANES;
  const int tile = grad_tile_keys(hd);
  const int chunks = (hd + LANES - 1) / LANES; /* vectors per key row */
  float *kt = scratch;
  float *vt = kt + (size_t) hd * padded;
  float *kr = vt + (size_t) hd * padded;       /* k's rows, zero past the keys (+ LANES of slack) */
  float *dkt = kr + (size_t) padded * hd + LANES;
  float *dvt = dkt + (size_t) hd * tile;
  float *qs = dvt + (size_t) hd * tile;        /* [groups][t][hd]: q·scale */
  float *dsum = qs + (size_t) groups * t * hd; /* [groups][t]: D_i */
  transpose_kv(k, v, kt, vt, keys, hd, padded);
  memcpy(kr, k, sizeof(float) * (size_t) keys * hd);
  memset(kr + (size_t) keys * hd, 0, sizeof(float) * ((size_t) (padded - keys) * hd + LANES));
  visible_blocks(valid, keys, padded, visible);
  for (int gi = 0; gi < groups * t; gi++) {
    int g = gi / t;
    int i = gi % t;
    const float *oi = o + (size_t) g * oHead + (size_t) i * oPos;
    const float *doi = dout + (size_t) g * oHead + (size_t) i * oPos;
    float ds = 0.0f;
    for (int d = 0; d < hd; d++) {
      qs[(size_t) gi * hd + d] = q[(size_t) gi * hd + d] * scale;
      ds += doi[d] * oi[d];
      dq[(size_t) gi * hd + d] = 0.0f;
    }
    dsum[gi] = ds;
  }
  __mmask16 rowTail = (__mmask16) ((1u << (hd % LANES == 0 ? LANES : hd % LANES)) - 1u);
  for (int t0 = 0; t0 < padded; t0 += tile) {
    int tEnd = t0 + tile < padded ? t0 + tile : padded;
    memset(dkt, 0, sizeof(float) * 2 * (size_t) hd * tile);
    for (int g = 0; g < groups; g++) {
      for (int i = 0; i < t; i++) {
        int me = self[i];
        if (me < t0) {
          continue;                   /* it sees no key of this tile */
        }
        size_t gi = (size_t) g * t + i;
        const float *qsi = qs + gi * hd;
        const float *doi = dout + (size_t) g * oHead + (size_t) i * oPos;
        int stop = me + 1 < tEnd ? me + 1 : tEnd;
        __m512 lsev = _mm512_set1_ps(lse[gi]);
        __m512 dsumv = _mm512_set1_ps(dsum[gi]);
        __m512 dqacc[DQ_PARTS * chunks];
        for (int c = 0; c < DQ_PARTS * chunks; c++) {
          dqacc[c] = _mm512_setzero_ps();
        }
        for (int j = t0; j < stop; j += 2 * LANES) {
          if (j + LANES < stop) {
            grad_blocks(2, j, me, t0, qsi, doi, lsev, dsumv, kt, vt, kr, dkt, dvt, padded, tile, hd, visible,
                dqacc);
          } else {
            grad_blocks(1, j, me, t0, qsi, doi, lsev, dsumv, kt, vt, kr, dkt, dvt, padded, tile, hd, visible,
                dqacc);
          }
        }
        for (int part = 1; part < DQ_PARTS; part++) {
          for (int c = 0; c < chunks; c++) {
            dqacc[c] = _mm512_add_ps(dqacc[c], dqacc[part * chunks + c]);
          }
        }
        float *dqi = dq + gi * hd;
        if (hd == 8) {
          __m256 sum = _mm256_add_ps(_mm512_castps512_ps256(dqacc[0]),
              _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(dqacc[0]), 1)));
          _mm256_storeu_ps(dqi, _mm256_add_ps(_mm256_loadu_ps(dqi), sum));
        } else {
          for (int c = 0; c < chunks; c++) {
            __mmask16 cm = c == chunks - 1 ? rowTail : (__mmask16) 0xFFFF;
            __m512 cur = _mm512_maskz_loadu_ps(cm, dqi + c * LANES);
            _mm512_mask_storeu_ps(dqi + c * LANES, cm, _mm512_add_ps(cur, dqacc[c]));
          }
        }
      }
    }
    int last = tEnd < keys ? tEnd : keys;
    for (int j = t0; j < last; j++) {
      for (int d = 0; d < hd; d++) {
        dk[(size_t) j * hd + d] = dkt[(size_t) d * tile + (j - t0)];
        dv[(size_t) j * hd + d] = dvt[(size_t) d * tile + (j - t0)];
      }
    }
  }
  for (size_t x = 0; x < (size_t) groups * t * hd; x++) {
    dq[x] *= scale;
  }
}

#define GRAD_UNIT(NAME, HD)                                                                                \
  static void NAME(const float *q, const float *k, const float *v, const float *o, const float *dout,       \
      const float *lse, float *dq, float *dk, float *dv, const uint8_t *valid, const int32_t *self, int t,   \
      int keys, int hd, int groups, float scale, size_t oHead, size_t oPos, float *scratch, uint16_t *vis) { \
    grad_body(q, k, v, o, dout, lse, dq, dk, dv, valid, self, t, keys, HD, groups, scale, oHead, oPos,      \
        scratch, vis);                                                                                       \
  }

GRAD_UNIT(grad8, 8)
GRAD_UNIT(grad16, 16)
GRAD_UNIT(grad32, 32)
GRAD_UNIT(grad64, 64)
GRAD_UNIT(grad128, 128)
GRAD_UNIT(grad_any, hd)

#pragma GCC pop_options

typedef void (*unit_fn)(const float *, const float *, const float *, float *, const uint8_t *, const int32_t *, int,
    int, int, int, float, size_t, size_t, float *, float *, uint16_t *);

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

typedef void (*grad_fn)(const float *, const float *, const float *, const float *, const float *, const float *,
    float *, float *, float *, const uint8_t *, const int32_t *, int, int, int, int, float, size_t, size_t, float *,
    uint16_t *);

static grad_fn grad_for(int hd) {
  switch (hd) {
    case 8: return grad8;
    case 16: return grad16;
    case 32: return grad32;
    case 64: return grad64;
    case 128: return grad128;
    default: return grad_any;
  }
}

/* unit_body's scratch: kt and vt, one query's scores, and q·scale. */
static size_t unit_scratch_floats(int hd, int padded) {
  return (size_t) 2 * hd * padded + (size_t) padded + (size_t) hd;
}

/* grad_body's scratch: kt and vt, k's rows with slack, the tile's dkt and dvt, q·scale and D. */
static size_t grad_scratch_floats(int hd, int padded, int t, int groups) {
  return (size_t) 3 * hd * padded + LANES + (size_t) 2 * hd * grad_tile_keys(hd) + (size_t) groups * t * (hd + 1);
}

/* A call's per-thread buffers: the unit's scratch, its visible-key blocks, and one row's mask. */
typedef struct {
  float *scratch;
  uint16_t *visible;
  uint8_t *valid;
  int32_t *self;
} work_t;

static void work_free(work_t *w) {
  free(w->scratch);
  free(w->visible);
  free(w->valid);
  free(w->self);
}

/* 0, or -1 (nothing held) when the memory could not be had. */
static int work_alloc(work_t *w, size_t scratchFloats, int keys, int t) {
  int padded = (keys + LANES - 1) / LANES * LANES;
  w->scratch = (float *) malloc(scratchFloats * sizeof(float));
  w->visible = (uint16_t *) malloc((size_t) (padded / LANES) * sizeof(uint16_t));
  w->valid = (uint8_t *) malloc((size_t) keys);
  w->self = (int32_t *) malloc((size_t) t * sizeof(int32_t));
  if (w->scratch == NULL || w->visible == NULL || w->valid == NULL || w->self == NULL) {
    work_free(w);
    return -1;
  }
  return 0;
}

/* Row r's key validity and query positions, from the Java arrays. */
static void work_row(JNIEnv *env, work_t *w, jbyteArray validArr, jintArray selfArr, int r, int keys, int t) {
  (*env)->GetByteArrayRegion(env, validArr, (jsize) r * keys, keys, (jbyte *) w->valid);
  (*env)->GetIntArrayRegion(env, selfArr, (jsize) r * t, t, (jint *) w->self);
}

/*
 * Where unit (row r, kv head g) starts in each array: q (and dq), k and v (and dk, dv), the output
 * (and its gradient) with its head and position strides, and lse. Head h = g·groups + gg, query i:
 * head-major (r·heads + h)·t + i, token-major (r·t + i)·heads + h.
 */
typedef struct {
  size_t q, kv, o, oHead, oPos, lse;
} unit_at;

static unit_at unit_place(int r, int g, int heads, int kvHeads, int t, int keys, int hd, int tokenMajor) {
  int groups = heads / kvHeads;
  unit_at a;
  a.kv = ((size_t) r * kvHeads + g) * keys * hd;
  a.lse = ((size_t) r * heads + (size_t) g * groups) * t;
  a.q = a.lse * hd;
  a.o = tokenMajor ? ((size_t) r * t * heads + (size_t) g * groups) * hd : a.q;
  a.oHead = tokenMajor ? (size_t) hd : (size_t) t * hd;
  a.oPos = tokenMajor ? (size_t) heads * hd : (size_t) hd;
  return a;
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
    jobject vb, jobject ob, jobject lseb, jbyteArray validArr, jintArray selfArr, jint b, jint heads, jint kvHeads,
    jint t, jint keys, jint hd, jfloat scale, jboolean tokenMajor, jlong from, jlong to) {
  (void) cls;
  (void) b;
  const float *q = (const float *) (*env)->GetDirectBufferAddress(env, qb);
  const float *k = (const float *) (*env)->GetDirectBufferAddress(env, kb);
  const float *v = (const float *) (*env)->GetDirectBufferAddress(env, vb);
  float *out = (float *) (*env)->GetDirectBufferAddress(env, ob);
  /* lse [b][heads][t]: only for training (null otherwise) */
  float *lse = lseb == NULL ? NULL : (float *) (*env)->GetDirectBufferAddress(env, lseb);
  if (q == NULL || k == NULL || v == NULL || out == NULL || (lseb != NULL && lse == NULL)) {
    return -2;
  }
  int padded = (keys + LANES - 1) / LANES * LANES;
  work_t w;
  if (work_alloc(&w, unit_scratch_floats(hd, padded), keys, t) != 0) {
    return -1;
  }
  unit_fn unit = unit_for(hd);
  for (int u = from; u < to; u++) {
    int r = u / kvHeads;
    int g = u % kvHeads;
    work_row(env, &w, validArr, selfArr, r, keys, t);
    unit_at a = unit_place(r, g, heads, kvHeads, t, keys, hd, tokenMajor);
    unit(q + a.q, k + a.kv, v + a.kv, out + a.o, w.valid, w.self, t, keys, hd, heads / kvHeads, scale, a.oHead,
        a.oPos, lse == NULL ? NULL : lse + a.lse, w.scratch, w.visible);
  }
  work_free(&w);
  return 0;
}

/*
 * The gradients dq [b][heads][t][hd], dk and dv [b][kvHeads][keys][hd] of the attention whose
 * forward (attend with lse) gave out and lse, from dout, the gradient of out (out's layout, as
 * tokenMajor says), for units [from, to) of b·kvHeads; every unit writes only its own rows and heads.
 * Returns 0; -1 when scratch memory could not be had, -2 when a buffer is not direct.
 */
JNIEXPORT jint JNICALL Java_tallrec_llm_NativeAttention_attendBackward(JNIEnv *env, jclass cls, jobject qb,
    jobject kb, jobject vb, jobject ob, jobject dob, jobject lseb, jobject dqb, jobject dkb, jobject dvb,
    jbyteArray validArr, jintArray selfArr, jint b, jint heads, jint kvHeads, jint t, jint keys, jint hd,
    jfloat scale, jboolean tokenMajor, jlong from, jlong to) {
  (void) cls;
  (void) b;
  const float *q = (const float *) (*env)->GetDirectBufferAddress(env, qb);
  const float *k = (const float *) (*env)->GetDirectBufferAddress(env, kb);
  const float *v = (const float *) (*env)->GetDirectBufferAddress(env, vb);
  const float *o = (const float *) (*env)->GetDirectBufferAddress(env, ob);
  const float *dout = (const float *) (*env)->GetDirectBufferAddress(env, dob);
  const float *lse = (const float *) (*env)->GetDirectBufferAddress(env, lseb);
  float *dq = (float *) (*env)->GetDirectBufferAddress(env, dqb);
  float *dk = (float *) (*env)->GetDirectBufferAddress(env, dkb);
  float *dv = (float *) (*env)->GetDirectBufferAddress(env, dvb);
  if (q == NULL || k == NULL || v == NULL || o == NULL || dout == NULL || lse == NULL || dq == NULL || dk == NULL
      || dv == NULL) {
    return -2;
  }
  int padded = (keys + LANES - 1) / LANES * LANES;
  work_t w;
  if (work_alloc(&w, grad_scratch_floats(hd, padded, t, heads / kvHeads), keys, t) != 0) {
    return -1;
  }
  grad_fn unit = grad_for(hd);
  for (int u = from; u < to; u++) {
    int r = u / kvHeads;
    int g = u % kvHeads;
    work_row(env, &w, validArr, selfArr, r, keys, t);
    unit_at a = unit_place(r, g, heads, kvHeads, t, keys, hd, tokenMajor);
    unit(q + a.q, k + a.kv, v + a.kv, o + a.o, dout + a.o, lse + a.lse, dq + a.q, dk + a.kv, dv + a.kv, w.valid,
        w.self, t, keys, hd, heads / kvHeads, scale, a.oHead, a.oPos, w.scratch, w.visible);
  }
  work_free(&w);
  return 0;
}
