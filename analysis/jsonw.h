/* Writing JSON by hand: strings escaped per RFC 8259, numbers that JSON
 * accepts (no NaN or infinity). */
#ifndef HVT_ANALYSIS_JSONW_H
#define HVT_ANALYSIS_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes s as a quoted JSON string. */
void an_json_str(FILE *f, const char *s);
/* A double with 10 significant digits; NaN/inf (unknown) become null. */
void an_json_num(FILE *f, double v);
/* Bytes as a quoted lowercase hex string. */
void an_json_hex(FILE *f, const uint8_t *data, size_t len);
/* A CSV field: quoted when it holds a comma, quote or newline. */
void an_csv_str(FILE *f, const char *s);

#endif
