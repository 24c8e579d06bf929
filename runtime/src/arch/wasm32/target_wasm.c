/* Target detection's compile-time answer for WebAssembly builds: always wasm. */
#include "target_arch.h"

int noa_target_arch_is_wasm(void)
{
	return 1;
}
