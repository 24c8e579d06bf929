/* The part of target detection fixed at compile time: whether this build is WebAssembly, where there is
 * no operating system beneath the program to ask. One file per platform implements it
 * (src/arch/wasm32/target_wasm.c, src/arch/generic/target_host.c), chosen by cmake/Target.cmake. */
#ifndef NOA_TARGET_ARCH_H
#define NOA_TARGET_ARCH_H

/* Returns 1 when this build runs as WebAssembly, else 0. */
int noa_target_arch_is_wasm(void);

#endif
