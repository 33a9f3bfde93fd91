// Private to the Tensor module's Gemm wrapper: the only place cblas is reached from.
#ifndef NICER_COPENBLAS_SHIM_H
#define NICER_COPENBLAS_SHIM_H
#include <cblas.h>
#endif
