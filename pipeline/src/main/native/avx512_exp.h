/*
 * exp for the native kernels (causal_attention.c, fused_ops.c), 16 floats at a time, relative error
 * ~1e-7: x is first clamped to [-87, hi] (below -87 the result is ~1.6e-38 or less, which is 0 next to
 * any other term these kernels add it to), then x = n·ln2 + r with |r| <= ln2/2 (ln2 split in two so
 * n·ln2 is exact), a degree-6 polynomial for e^r (Cephes' expf coefficients), and scalef for the 2^n.
 * AVX-512F: included inside each kernel file's avx512f target region.
 */
#ifndef TALLREC_AVX512_EXP_H
#define TALLREC_AVX512_EXP_H

#include <immintrin.h>

static inline __m512 exp_clamped(__m512 x, float hi) {
  x = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.0f)), _mm512_set1_ps(hi));
  __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  __m512 p = _mm512_set1_ps(1.9875691500e-4f);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
  p = _mm512_fmadd_ps(_mm512_mul_ps(p, r), r, _mm512_add_ps(r, _mm512_set1_ps(1.0f)));
  return _mm512_scalef_ps(p, n);
}

#endif
