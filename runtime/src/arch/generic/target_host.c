/* Target detection's compile-time answer for builds that run on an operating system (x86_64, aarch64):
 * never wasm; the environment and marker files decide. */
#include "target_arch.h"

int noa_target_arch_is_wasm(void)
{
	return 0;
}
