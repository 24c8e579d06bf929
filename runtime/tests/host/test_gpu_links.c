/* The GPU probe against symlinks made at run time in a scratch tree (git cannot hold a device node, and a
 * link loop or a link to an absolute scratch path cannot be checked in): loops end, and a link to an
 * absolute path that exists on the host is not followed out of the sysroot. Host only (it writes /tmp). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "noa/hardware.h"

/* Writes text to dir/name. */
static void put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	cr_assert(snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	cr_assert_eq(fputs(text, f) >= 0, 1);
	cr_assert_eq(fclose(f), 0);
}

/* Makes dir/sub (and its parents) and returns its path in out. */
static void mkdirs(char *out, size_t size, const char *dir, const char *sub)
{
	cr_assert(snprintf(out, size, "%s/%s", dir, sub) < (int)size);
	for (char *p = out + strlen(dir) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(out, 0700);
		*p = '/';
	}
	cr_assert(mkdir(out, 0700) == 0, "%s", out);
}

static void link_at(const char *target, const char *dir, const char *name)
{
	char path[1024];
	cr_assert(snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path);
	cr_assert_eq(symlink(target, path), 0, "%s", path);
}

Test(gpu_links, loops_and_absolute_links_are_not_followed)
{
	char scratch[] = "/tmp/noa-gpu-links-XXXXXX", root[512], outside[512], dir[512], cmd[600];
	cr_assert_not_null(mkdtemp(scratch));
	mkdirs(root, sizeof root, scratch, "root");
	/* A real NVIDIA device outside the sysroot, which card1 names with an absolute link. */
	mkdirs(outside, sizeof outside, scratch, "outside/0000:00:09.0");
	put(outside, "vendor", "0x10de\n");
	put(outside, "device", "0x2330\n");
	mkdirs(dir, sizeof dir, root, "sys/class/drm/card0");
	link_at("device", dir, "device"); /* a loop */
	mkdirs(dir, sizeof dir, root, "sys/class/drm/card1");
	link_at(outside, dir, "device");
	mkdirs(dir, sizeof dir, root, "sys/class/drm/card2");
	link_at("../card3/device", dir, "device"); /* a chain into a sibling, inside the root */
	mkdirs(dir, sizeof dir, root, "sys/class/drm/card3/device");
	put(dir, "vendor", "0x1002\n");
	put(dir, "device", "0x740f\n");

	struct noa_probe_source src;
	struct noa_hardware hw;
	static const char *const no_env[] = {NULL};
	memset(&src, 0, sizeof src);
	cr_assert_eq(noa_sysroot_init(&src.root, root), 0);
	src.env.vars = no_env;
	noa_probe_gpus(&hw, &src);

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", scratch);
	cr_assert_eq(system(cmd), 0);
	/* card2 and card3 are one AMD device with no known address: listed per card, since the probe cannot
	 * tell them apart without one. */
	cr_assert_eq(hw.ngpus, 2, "only the cards inside the root");
	for (int i = 0; i < hw.ngpus; i++) {
		cr_assert_eq(hw.gpus[i].vendor, NOA_GPU_AMD);
		cr_assert_str_eq(hw.gpus[i].pci_id, "1002:740f");
	}
}
