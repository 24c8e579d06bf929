/* The compiled-in feature gates, as the generated header (cmake/Features.cmake) lists them. */
#include "noa/features.h"

#include <string.h>

#include "noa_features.h"

static const char *const compiled[] = {NOA_FEATURES_COMPILED NULL};

const char *const *noa_features_compiled(int *count)
{
	if (count)
		*count = (int)(sizeof compiled / sizeof compiled[0]) - 1;
	return compiled;
}

int noa_feature_enabled(const char *name)
{
	if (name == NULL)
		return 0;
	for (const char *const *f = compiled; *f; f++)
		if (strcmp(*f, name) == 0)
			return 1;
	return 0;
}
