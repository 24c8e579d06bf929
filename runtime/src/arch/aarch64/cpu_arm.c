/* The aarch64 CPU's own account of itself: the features the kernel reports in AT_HWCAP and AT_HWCAP2
 * (only those the kernel enables), named as /proc/cpuinfo's Features line names them. The vendor and
 * core name come from /proc/cpuinfo's MIDR fields instead (probe_cpu.c), as there is no base frequency
 * to read from the CPU. */
#include "probe_cpu.h"

#include <string.h>
#include <sys/auxv.h>

#include "cpuinfo.h"

/* The kernel's names of the AT_HWCAP bits 0-31 (arch/arm64/include/uapi/asm/hwcap.h). */
static const char *const hwcap_names[32] = {
	"fp",      "asimd", "evtstrm", "aes",   "pmull",    "sha1",   "sha2", "crc32",
	"atomics", "fphp",  "asimdhp", "cpuid", "asimdrdm", "jscvt",  "fcma", "lrcpc",
	"dcpop",   "sha3",  "sm3",     "sm4",   "asimddp",  "sha512", "sve",  "asimdfhm",
	"dit",     "uscat", "ilrcpc",  "flagm", "ssbs",     "sb",     "paca", "pacg",
};

/* The kernel's names of the AT_HWCAP2 bits 0-23. */
static const char *const hwcap2_names[24] = {
	"dcpodp", "sve2",    "sveaes",   "svepmull", "svebitperm", "svesha3", "svesm4", "flagm2",
	"frint",  "svei8mm", "svef32mm", "svef64mm", "svebf16",    "i8mm",    "bf16",   "dgh",
	"rng",    "bti",     "mte",      "ecv",      "afp",        "rpres",   "mte3",   "sme",
};

void noa_cpu_probe_self(struct noa_cpu *cpu)
{
	unsigned long hwcap = getauxval(AT_HWCAP);
	unsigned long hwcap2 = getauxval(AT_HWCAP2);
	memcpy(cpu->arch, "aarch64", sizeof "aarch64");
	for (unsigned i = 0; i < 32; i++)
		if (hwcap & (1ul << i))
			noa_cpuinfo_add_feature(cpu->features, &cpu->nfeatures, hwcap_names[i]);
	for (unsigned i = 0; i < 24; i++)
		if (hwcap2 & (1ul << i))
			noa_cpuinfo_add_feature(cpu->features, &cpu->nfeatures, hwcap2_names[i]);
}
