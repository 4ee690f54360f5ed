/*
 * The MKL inside libtorch (linked into libtorch_cpu.so) picks its kernels in two steps: first
 * "is this an Intel CPU?" (mkl_serv_intel_cpu_true), then, only if so, the widest instruction
 * set the CPU reports. On AMD CPUs the first answer is no and every GEMM takes MKL's generic
 * path: measured on an AVX-512 AMD EPYC, a 2048^3 F32 matmul ran ~100 GFLOP/s in DJL against
 * ~340 in OpenBLAS. libtorch calls this function through its dynamic symbol table, so a library
 * preloaded ahead of it (LD_PRELOAD, which bin/tallrec sets up) answers instead: MKL then
 * chooses by the instruction sets the CPU reports (cpuid), as it does on Intel parts.
 *
 * It changes which kernels run, not what they compute: results differ from the generic path by
 * rounding only (MklIntelPathTest bounds the difference).
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
