/* json_util.h — small typed getters over cJSON for the model decoders.
 *
 * Every getter treats an absent member and a JSON null the same way (absent:
 * CT_OK, output untouched) and turns a wrong JSON type into CT_ETYPE with a
 * detail naming the full field path ("conversations[3].startAt: expected
 * string or number, got object") and err->field set to that path. Keys are
 * matched case-sensitively; with duplicate keys the first one wins (cJSON).
 *
 * Threads: the decoders keep no state of their own, but cJSON 1.7's parser
 * records its last error position in a process-wide variable (written on
 * every parse). Concurrent decodes are therefore a benign data race inside
 * cJSON that a thread sanitizer will report; nothing here reads it. */
#ifndef CALLTOP_JSON_UTIL_H
#define CALLTOP_JSON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "calltop/err.h"
#include "calltop/model.h"

/* Size of the path buffers decoders keep on the stack. */
#define CT_JSON_PATH_MAX 256

/* "object", "array", "string", "number", "boolean", "null" (or "nothing"). */
const char *ct_json_type_name(const cJSON *v);
/* The member `key` of obj, or NULL when obj is not an object, the member is
 * missing, or it is JSON null. */
const cJSON *ct_json_member(const cJSON *obj, const char *key);

/* "path.key" ("key" when path is NULL or ""); truncated to len. Returns buf. */
const char *ct_json_path(char *buf, size_t len, const char *path, const char *key);
/* "path[i]" ("[i]" when path is NULL or ""). Returns buf. */
const char *ct_json_path_index(char *buf, size_t len, const char *path, size_t i);

/* Sets err to `code` with detail "<fullpath>: <fmt...>" and err->field =
 * fullpath (truncated to fit). Returns code. err may be NULL. */
ct_err ct_json_field_error(ct_error *err, ct_err code, const char *fullpath, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* CT_ETYPE: "<fullpath>: expected <expected>, got <type of got>". */
ct_err ct_json_type_error(ct_error *err, const char *fullpath, const char *expected,
                          const cJSON *got);

/* Parses exactly [json, json+len) (trailing whitespace or NULs allowed);
 * CT_EJSON with the byte offset on failure. Caller frees with cJSON_Delete. */
ct_err ct_json_parse(const char *json, size_t len, cJSON **out, ct_error *err);

/* strdup that maps NULL to NULL; *oom set to true when allocation failed. */
char *ct_strdup_or_null(const char *s, bool *oom);
/* strcmp that orders NULL before every string. */
int ct_strcmp_null(const char *a, const char *b);

/* ---- typed getters: member `key` of obj, errors named "<path>.<key>" ---- */

/* String: replaces *out (freeing the old value) with a copy. */
ct_err ct_json_get_string(const cJSON *obj, const char *key, const char *path, char **out,
                          ct_error *err);
/* String, or a number / boolean kept as its JSON text ("3", "true").
 * Objects and arrays are CT_ETYPE. */
ct_err ct_json_get_scalar_text(const cJSON *obj, const char *key, const char *path, char **out,
                               ct_error *err);
/* Any JSON value except null, as compact JSON text. */
ct_err ct_json_get_raw(const cJSON *obj, const char *key, const char *path, char **out,
                       ct_error *err);
/* Object only, as compact JSON text. */
ct_err ct_json_get_object_text(const cJSON *obj, const char *key, const char *path, char **out,
                               ct_error *err);
ct_err ct_json_get_bool(const cJSON *obj, const char *key, const char *path, bool *out,
                        bool *present, ct_error *err);
/* Timestamp: ISO-8601 string, all-digit string or number of epoch ms.
 * Range/format problems are CT_EVALUE naming the field. */
ct_err ct_json_get_time(const cJSON *obj, const char *key, const char *path, ct_time_ms *out,
                        bool *present, ct_error *err);
/* The same for a value already in hand, named `fullpath`. */
ct_err ct_json_time_value(const cJSON *v, const char *fullpath, ct_time_ms *out, ct_error *err);
/* *out = the member when it is an object / array, NULL when absent. */
ct_err ct_json_get_object(const cJSON *obj, const char *key, const char *path, const cJSON **out,
                          ct_error *err);
ct_err ct_json_get_array(const cJSON *obj, const char *key, const char *path, const cJSON **out,
                         ct_error *err);

/* Adds key: string to obj when s is not NULL. Returns false on OOM. */
bool ct_json_add_string(cJSON *obj, const char *key, const char *s);
/* Adds key: <parsed JSON text> when text is not NULL; text that does not
 * parse is added as a string so nothing is silently lost. */
bool ct_json_add_raw(cJSON *obj, const char *key, const char *text);

/* Adds key: text as a string, except when text is exactly the compact JSON
 * of a number, boolean, object or array (how the decoders keep non-string
 * scalars such as an outcome of 3): then that JSON value. This makes
 * decode(encode(x)) == x for the *_text-or-JSON fields. */
bool ct_json_add_text_or_json(cJSON *obj, const char *key, const char *text);

/* Adds key: v written as a JSON integer ("1796321249351450", never
 * "1.79632124935145e+15", which cJSON prints for some doubles and strict
 * parsers reject). Returns false on OOM. */
bool ct_json_add_i64(cJSON *obj, const char *key, int64_t v);
bool ct_json_add_u64(cJSON *obj, const char *key, uint64_t v);

/* JSON text with C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F) and DEL
 * written as \u00XX: cJSON leaves them raw, and a terminal may act on them
 * (U+009B is CSI). Outside strings JSON text is ASCII, so every such byte
 * pair is inside a string, where the escape means the same text. Returns a
 * malloc'd copy (NULL on OOM). The one rule for `calls --json` and `watch`. */
char *ct_json_escape_c1(const char *json);

#endif
