/* Parsers for the kernel's text files the CPU and memory probes read: /proc/cpuinfo (x86 and aarch64
 * formats), "Key: value" files such as /proc/meminfo, single sysfs numbers and CPU range lists. Every
 * input is treated as hostile: NUL bytes, garbage, huge or negative numbers and cut files give "unknown",
 * never a crash. Inputs come through noa_sysroot_read, so at most NOA_READ_MAX bytes; each parser reads
 * its input once, in time linear in its length. Internal to libnoa. */
#ifndef NOA_CPUINFO_H
#define NOA_CPUINFO_H

#include <stddef.h>

#include "noa/hardware.h"

/* At most this many CPUs are counted from a range list or from /proc/cpuinfo. */
#define NOA_CPUINFO_MAX_CPUS 65536

/* What /proc/cpuinfo says. Counts are 0 and strings "" when the file does not say. */
struct noa_cpuinfo {
	/* "x86_64" (vendor_id/flags lines) or "aarch64" (CPU implementer/Features lines), inferred from the
	 * format; "" when neither or both appear. */
	char arch[16];
	/* x86 "vendor_id" and "model name" of the first processor. */
	char vendor_id[64];
	char model_name[128];
	/* aarch64 MIDR fields of the first processor, -1 when absent or malformed. */
	int implementer;
	int part;
	/* Number of "processor" lines. */
	int processors;
	/* Distinct (physical id, core id) pairs, and distinct physical ids; 0 when no processor has them. */
	int core_pairs;
	int packages;
	/* The first "cpu cores" value. */
	int cpu_cores;
	/* The known features of the first "flags" (x86) or "Features" (aarch64) line, sorted. */
	int nfeatures;
	char features[NOA_MAX_FEATURES][NOA_FEATURE_NAME_MAX];
};

/* Parses the len bytes of text (a /proc/cpuinfo, possibly cut anywhere) into ci; past NOA_READ_MAX bytes
 * the text is taken as cut there. An unterminated last line is ignored, since a cut file may have cut it.
 * Never fails; text is modified (NULs become newlines). */
void noa_cpuinfo_parse(struct noa_cpuinfo *ci, char *text, size_t len);

/* Parses a decimal (base 10) or hexadecimal (base 16, optional 0x) integer in [min, max] that fills s
 * apart from surrounding blanks and one trailing newline. Returns 0 or NOA_EINVALID. */
int noa_cpuinfo_int(const char *s, int base, long long min, long long max, long long *out);

/* Finds `key` in a "Key:  value" file (text is NUL-terminated, NULs in the file already replaced) and
 * copies its value, trimmed, into out. Returns 0, NOA_ENOTFOUND or NOA_EINVALID (value too long). */
int noa_cpuinfo_value(const char *text, const char *key, char *out, size_t size);

/* Counts the CPUs in a range list such as "0-3,5\n". Returns the count (>= 1) or NOA_EINVALID. */
int noa_cpuinfo_cpulist(const char *s);

/* The aarch64 vendor name of a MIDR implementer code ("ARM", "Ampere", ...), or NULL when unknown. */
const char *noa_cpuinfo_implementer_name(int implementer);

/* The core name of a MIDR implementer and part ("Neoverse-N1"), or NULL when unknown. */
const char *noa_cpuinfo_part_name(int implementer, int part);

/* Whether name, in cpuinfo's spelling ("pni") or the reported one ("sse3"), is a feature the probe
 * reports for arch ("x86_64" or "aarch64"); returns the reported name or NULL. */
const char *noa_cpuinfo_feature_name(const char *arch, const char *name);

/* Adds name to the sorted list features[0..*n) unless it is there, too long, or the list is full. */
void noa_cpuinfo_add_feature(char features[][NOA_FEATURE_NAME_MAX], int *n, const char *name);

#endif
