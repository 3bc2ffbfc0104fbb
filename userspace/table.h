/* SPDX-License-Identifier: GPL-2.0 */
/* Plain-text tables with aligned columns, for the readable outputs. */
#ifndef UCTL_TABLE_H
#define UCTL_TABLE_H

#include <stdio.h>

struct uctl_table;

struct uctl_table *uctl_table_new(unsigned int ncols);
/* Add one cell to the current row; rows wrap after ncols cells. */
void uctl_table_cell(struct uctl_table *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void uctl_table_print(const struct uctl_table *t, FILE *f);
void uctl_table_free(struct uctl_table *t);

#endif /* UCTL_TABLE_H */
