/* libFuzzer target for the YAML reader (crc_yaml_parse): any bytes must give a document or one error,
 * never a crash, a leak, undefined behaviour or a hang. Every node of an accepted document is visited. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crc/yaml.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Visits every node and checks what the reader promises about it; returns the node count. */
static size_t walk(const struct crc_yaml_node *n, int depth)
{
	size_t count = 1;
	if (depth > CRC_YAML_MAX_DEPTH + 1 || n->line < 1 || n->col < 1)
		__builtin_trap();
	if (n->kind == CRC_YAML_SCALAR) {
		if (strlen(n->value) != n->len)
			__builtin_trap();
		return count;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->kind == CRC_YAML_MAP) {
			if (n->keys[i]->kind != CRC_YAML_SCALAR)
				__builtin_trap();
			count += walk(n->keys[i], depth + 1);
		}
		count += walk(n->values[i], depth + 1);
	}
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crc_yaml_doc *doc;
	struct crc_error err;
	int rc = crc_yaml_parse(&doc, "fuzz.yaml", (const char *)data, size, &err);
	if (rc == 0) {
		if (walk(doc->root, 1) > CRC_YAML_MAX_NODES)
			__builtin_trap();
		crc_yaml_free(doc);
	} else if (doc != NULL || err.msg[0] == '\0') {
		__builtin_trap();
	}
	return 0;
}
