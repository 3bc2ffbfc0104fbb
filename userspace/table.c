// SPDX-License-Identifier: GPL-2.0
/* Plain-text tables: cells are kept until print, which aligns columns. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "table.h"

struct uctl_table {
	unsigned int ncols;
	size_t ncells;
	char **cells;
};

struct uctl_table *uctl_table_new(unsigned int ncols)
{
	struct uctl_table *t = calloc(1, sizeof(*t));

	if (t)
		t->ncols = ncols;
	return t;
}

void uctl_table_cell(struct uctl_table *t, const char *fmt, ...)
{
	char **cells;
	char *s = NULL;
	va_list ap;

	if (!t)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	cells = realloc(t->cells, (t->ncells + 1) * sizeof(*cells));
	if (!cells) {
		free(s);
		return;
	}
	t->cells = cells;
	t->cells[t->ncells++] = s;
}

void uctl_table_print(const struct uctl_table *t, FILE *f)
{
	size_t *width, i;
	unsigned int col;

	if (!t || !t->ncells)
		return;
	width = calloc(t->ncols, sizeof(*width));
	if (!width)
		return;
	for (i = 0; i < t->ncells; i++) {
		size_t w = t->cells[i] ? strlen(t->cells[i]) : 0;

		if (w > width[i % t->ncols])
			width[i % t->ncols] = w;
	}
	for (i = 0; i < t->ncells; i++) {
		col = (unsigned int)(i % t->ncols);
		if (col == t->ncols - 1 || i == t->ncells - 1)
			fprintf(f, "%s\n", t->cells[i] ? t->cells[i] : "");
		else
			fprintf(f, "%-*s  ", (int)width[col], t->cells[i] ? t->cells[i] : "");
	}
	free(width);
}

void uctl_table_free(struct uctl_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}
