/* The feature gates compiled into this runtime (declared in runtime/features.yaml, chosen with the CMake
 * options NOA_FEATURE_<X>): low-power, quantized-kernels, throughput, gpu-offload. */
#ifndef NOA_FEATURES_H
#define NOA_FEATURES_H

/* Returns 1 when the gate named name (e.g. "gpu-offload") is compiled in, else 0 (also for unknown or NULL
 * names). */
int noa_feature_enabled(const char *name);

/* Returns the names of the gates compiled in, in features.yaml's order, as a NULL-terminated array;
 * borrowed, valid for the life of the program. *count, when count is not NULL, gets their number. */
const char *const *noa_features_compiled(int *count);

#endif
