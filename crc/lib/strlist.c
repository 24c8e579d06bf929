/* Lists of strings (see crc/strlist.h). */
#include "crc/strlist.h"

#include "crc/json.h"

struct crc_json *crc_strlist_json(const struct crc_strlist *l)
{
	struct crc_json *a = crc_json_array();
	for (size_t i = 0; a && i < l->n; i++)
		if (crc_json_push_str(a, l->items[i])) {
			crc_json_free(a);
			return NULL;
		}
	return a;
}
