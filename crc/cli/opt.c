/* The option parser and help printer. Unknown long options get a "did you mean" from every table. */
#include "opt.h"

#include <stdarg.h>
#include <string.h>

#include "crc/suggest.h"

void opt_init(struct opt_parser *p, int argc, const char *const *argv, int first, ...)
{
	va_list ap;
	memset(p, 0, sizeof *p);
	p->argc = argc;
	p->argv = argv;
	p->i = first;
	va_start(ap, first);
	for (int t = 0; t < OPT_MAX_TABLES; t++) {
		const struct opt *tab = va_arg(ap, const struct opt *);
		if (!tab)
			break;
		p->tables[t] = tab;
	}
	va_end(ap);
}

static const struct opt *find_long(const struct opt_parser *p, const char *name, size_t len)
{
	for (int t = 0; p->tables[t]; t++)
		for (const struct opt *o = p->tables[t]; o->id; o++)
			if (o->long_name && strlen(o->long_name) == len &&
			    strncmp(o->long_name, name, len) == 0)
				return o;
	return NULL;
}

static const struct opt *find_short(const struct opt_parser *p, char c)
{
	for (int t = 0; p->tables[t]; t++)
		for (const struct opt *o = p->tables[t]; o->id; o++)
			if (o->short_name == c)
				return o;
	return NULL;
}

__attribute__((format(printf, 2, 3))) static int error(struct opt_parser *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(p->err, sizeof p->err, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof p->err)
		memcpy(p->err + sizeof p->err - 4, "...", 4);
	return OPT_ERROR;
}

static int unknown_long(struct opt_parser *p, const char *name, size_t len)
{
	enum { MAXC = 64 };
	const char *cands[MAXC];
	char word[CRC_SUGGEST_MAX_LEN + 1];
	size_t n = 0;
	for (int t = 0; p->tables[t]; t++)
		for (const struct opt *o = p->tables[t]; o->id && n < MAXC; o++)
			if (o->long_name)
				cands[n++] = o->long_name;
	const char *best = NULL;
	if (len <= CRC_SUGGEST_MAX_LEN) {
		memcpy(word, name, len);
		word[len] = '\0';
		best = crc_suggest(word, cands, n);
	}
	if (best)
		return error(p, "unknown option '--%.*s' (did you mean '--%s'?)", (int)len, name, best);
	return error(p, "unknown option '--%.*s'", (int)len, name);
}

static int take_value(struct opt_parser *p, const struct opt *o, const char *inline_val, const char *spelled)
{
	p->hit = o;
	p->arg = NULL;
	if (!o->metavar) {
		if (inline_val)
			return error(p, "option '%s' takes no value", spelled);
		return o->id;
	}
	if (inline_val) {
		p->arg = inline_val;
		return o->id;
	}
	if (p->i >= p->argc)
		return error(p, "option '%s' needs a value (%s)", spelled, o->metavar);
	p->arg = p->argv[p->i++];
	return o->id;
}

int opt_next(struct opt_parser *p)
{
	char spelled[3] = "-?";
	p->hit = NULL;
	p->arg = NULL;
	if (p->cluster && *p->cluster) {
		char c = *p->cluster++;
		const struct opt *o = find_short(p, c);
		spelled[1] = c;
		if (!o)
			return error(p, "unknown option '-%c'", c);
		if (o->metavar && *p->cluster) {
			const char *v = p->cluster;
			p->cluster = NULL;
			return take_value(p, o, v, spelled);
		}
		return take_value(p, o, NULL, spelled);
	}
	p->cluster = NULL;
	if (p->i >= p->argc)
		return OPT_END;
	const char *a = p->argv[p->i++];
	if (p->args_only || a[0] != '-' || a[1] == '\0') {
		p->arg = a;
		return OPT_ARG;
	}
	if (a[1] == '-') {
		if (a[2] == '\0') {
			p->args_only = 1;
			return opt_next(p);
		}
		const char *name = a + 2, *eq = strchr(name, '=');
		size_t len = eq ? (size_t)(eq - name) : strlen(name);
		const struct opt *o = find_long(p, name, len);
		if (!o)
			return unknown_long(p, name, len);
		char buf[64];
		int n = snprintf(buf, sizeof buf, "--%s", o->long_name);
		if (n < 0 || (size_t)n >= sizeof buf)
			return error(p, "option name too long");
		return take_value(p, o, eq ? eq + 1 : NULL, buf);
	}
	p->cluster = a + 1;
	return opt_next(p);
}

void opt_print_table(FILE *f, const struct opt *table)
{
	enum { HELP_COLUMN = 26 };
	for (const struct opt *o = table; o->id; o++) {
		char sh[3] = {'-', o->short_name, '\0'};
		int n = fprintf(f, "  %s%s%s%s%s%s", o->short_name ? sh : "  ",
				o->short_name && o->long_name ? ", "
				: o->long_name                ? "  "
							      : "",
				o->long_name ? "--" : "", o->long_name ? o->long_name : "",
				o->metavar ? " " : "", o->metavar ? o->metavar : "");
		if (n < 0)
			return;
		if (n >= HELP_COLUMN)
			fprintf(f, "\n%*s%s\n", HELP_COLUMN + 1, "", o->help);
		else
			fprintf(f, "%*s%s\n", HELP_COLUMN + 1 - n, "", o->help);
	}
}
