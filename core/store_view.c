/* store_view.c — filtered, sorted indexes over the store.
 *
 * A view never copies calls: it holds one row per matching entry (the entry
 * pointer plus the sort key computed at build time) and is rebuilt lazily,
 * only when the store generation or the spec changed — or, for a duration
 * sort on the wall clock, when the clock moved to another second, since live
 * durations grow without any event. Every accessor refreshes first, so a
 * view never hands out a pointer to a removed call.
 *
 * Order: the sort key, ascending or descending, then (status, direction and
 * phone status only) the start time newest first, then the call id ascending
 * in both directions, so rows with equal keys keep their places when the
 * direction flips and the order is total (ct_view_index_of binary-searches
 * it). Text keys compare case-insensitively; absent text sorts as "". */
#include "store_internal.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* One row per matching call. The sort compares rows only, never entries:
 * `key` is the sort key mapped to an unsigned number that orders the same
 * way (signed keys offset by 2^63; text keys as their first 8 case-folded
 * bytes, big-endian, with the next 8 in `key2`), complemented for a
 * descending view, so the common comparison is one or two integer compares.
 * Only ties read further: the full text when it is 16 bytes or longer, then
 * `idp` (the id's first 8 bytes, cached in the entry), then the id itself.
 * That keeps a 50,000-call sort out of the entries' cache lines. */
typedef struct view_row {
    uint64_t key, key2;
    uint64_t idp;
    const char *text; /* a text key too long for key/key2, else NULL */
    const ct_entry *e;
} view_row;

struct ct_view {
    const ct_store *s;
    ct_view_spec spec;
    char needle[sizeof((ct_view_spec *)0)->search]; /* lower-cased search */
    size_t needle_len;
    bool built;
    uint64_t built_gen;
    ct_time_ms built_now; /* the `now` durations were computed with */
    view_row *rows, *tmp; /* tmp: the merge sort's scratch, same capacity */
    size_t n, cap;
};

static const char *const sort_names[CT_SORT__COUNT] = {
    [CT_SORT_START] = "start",
    [CT_SORT_DURATION] = "duration",
    [CT_SORT_STATUS] = "status",
    [CT_SORT_DIRECTION] = "direction",
    [CT_SORT_CUSTOMER] = "customer",
    [CT_SORT_ASSISTANT] = "assistant",
    [CT_SORT_PHONE_STATUS] = "phone",
    [CT_SORT_LAST_ACTIVITY] = "activity",
    [CT_SORT_ASSISTANT_NUMBER] = "assistant-number",
};

const char *ct_sort_key_name(ct_sort_key k)
{
    return (unsigned)k < CT_SORT__COUNT ? sort_names[k] : "";
}

static ct_time_ms wall_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (ct_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t ct_call_duration_ms(const ct_call *c, ct_time_ms now)
{
    if (!c || !c->start_at) return 0;
    int64_t d;
    if (c->end_at) d = c->end_at - c->start_at;
    else if (c->status != CT_STATUS_FINISHED && ct_call_is_live(c))
        d = (now ? now : wall_clock_ms()) - c->start_at;
    else return 0;
    return d > 0 ? d : 0;
}

/* ---- search --------------------------------------------------------------- */

static unsigned char lower(unsigned char ch)
{
    return ct_lower_ascii(ch);
}

/* ASCII case-insensitive substring test; the needle is already lower case.
 * Bytes >= 0x80 compare exactly, so UTF-8 names match their own spelling.
 * (strchr/strpbrk on the first byte measured no faster on these short
 * fields: the cost is reaching the strings, not scanning them.) */
static bool contains(const char *hay, const char *needle, size_t nlen)
{
    if (!hay) return false;
    unsigned char first = (unsigned char)needle[0];
    for (const char *p = hay; *p; p++) {
        if (lower((unsigned char)*p) != first) continue;
        size_t i = 1;
        while (i < nlen && p[i] && lower((unsigned char)p[i]) == (unsigned char)needle[i]) i++;
        if (i == nlen) return true;
        if (!p[i]) return false;
    }
    return false;
}

static bool matches(const ct_view *v, const ct_entry *e)
{
    const ct_call *c = &e->pub.call;
    switch (v->spec.filter) {
    case CT_FILTER_ALL: break;
    case CT_FILTER_LIVE:
        if (!e->counted_live) return false;
        break;
    case CT_FILTER_STATUS:
        if (c->status != v->spec.status) return false;
        break;
    case CT_FILTER_DIRECTION:
        if (c->direction != v->spec.direction) return false;
        break;
    case CT_FILTER_FAILED:
        if (!ct_call_is_failed_attempt(c)) return false;
        break;
    default: return false;
    }
    if (v->spec.assistant_id[0] &&
        (!c->assistant_id || strcmp(c->assistant_id, v->spec.assistant_id)))
        return false;
    if (v->spec.our_number[0] &&
        (!c->assistant_number || strcmp(c->assistant_number, v->spec.our_number)))
        return false;
    if (!v->needle_len) return true;
    const char *n = v->needle;
    size_t l = v->needle_len;
    return contains(c->id, n, l) || contains(c->user_number, n, l) ||
        contains(c->assistant_number, n, l) || contains(c->assistant_id, n, l) ||
        contains(c->assistant_name, n, l) || contains(c->customer_name, n, l);
}

/* ---- keys and order ------------------------------------------------------- */

/* ASCII case folding only, like the search: the order must not depend on
 * the locale the UI runs in. */
static int casecmp_ascii(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = lower((unsigned char)*a), y = lower((unsigned char)*b);
        if (x != y || !x) return x - y;
    }
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

static void fill_key(const ct_view *v, view_row *r, const ct_entry *e)
{
    const ct_call *c = &e->pub.call;
    int64_t k = 0;
    const char *text = NULL;
    r->e = e;
    r->idp = e->idp;
    switch (v->spec.sort) {
    case CT_SORT_START: k = c->start_at; break;
    case CT_SORT_DURATION: k = ct_call_duration_ms(c, v->built_now); break;
    case CT_SORT_STATUS: k = c->status; break;
    case CT_SORT_DIRECTION: k = c->direction; break;
    case CT_SORT_CUSTOMER: text = nz(c->customer_name ? c->customer_name : c->user_number); break;
    case CT_SORT_ASSISTANT:
        text = nz(c->assistant_name ? c->assistant_name : c->assistant_id);
        break;
    case CT_SORT_PHONE_STATUS: k = c->phone_status; break;
    case CT_SORT_LAST_ACTIVITY: k = e->pub.last_activity; break;
    case CT_SORT_ASSISTANT_NUMBER: text = nz(c->assistant_number); break;
    default: break;
    }
    r->text = NULL;
    if (text) {
        r->key = ct_prefix8(text, true);
        size_t len = strnlen(text, 16);
        r->key2 = len > 8 ? ct_prefix8(text + 8, true) : 0;
        /* Equal 16-byte prefixes decide unless both strings go on. */
        if (len == 16) r->text = text;
    } else {
        r->key = (uint64_t)k ^ (1ULL << 63);
        r->key2 = 0;
    }
    if (v->spec.descending) {
        r->key = ~r->key;
        r->key2 = ~r->key2;
    }
    /* Enum keys (status, direction, phone status) group many calls: within
     * a group the newest call comes first, in both directions (issue 13:
     * done and failed rows no longer interleave by id). */
    if (v->spec.sort == CT_SORT_STATUS || v->spec.sort == CT_SORT_DIRECTION ||
        v->spec.sort == CT_SORT_PHONE_STATUS)
        r->key2 = ~((uint64_t)c->start_at ^ (1ULL << 63));
}

static inline int row_cmp(const view_row *a, const view_row *b, bool desc)
{
    if (a->key != b->key) return a->key < b->key ? -1 : 1;
    if (a->key2 != b->key2) return a->key2 < b->key2 ? -1 : 1;
    if (a->text && b->text) {
        int c = casecmp_ascii(a->text + 16, b->text + 16);
        if (c) return desc ? -c : c;
    }
    if (a->idp != b->idp) return a->idp < b->idp ? -1 : 1;
    return strcmp(a->e->pub.call.id, b->e->pub.call.id);
}

/* Bottom-up merge sort specialised for rows (no indirect calls, no
 * byte-wise copies): insertion-sorted runs of 16, then merges that are
 * skipped when two runs are already in order, so an already-sorted input
 * costs O(n). */
static void sort_rows(view_row *a, view_row *tmp, size_t n, bool desc)
{
    enum { RUN = 16 };
    for (size_t lo = 0; lo < n; lo += RUN) {
        size_t hi = lo + RUN < n ? lo + RUN : n;
        for (size_t i = lo + 1; i < hi; i++) {
            view_row x = a[i];
            size_t j = i;
            while (j > lo && row_cmp(&a[j - 1], &x, desc) > 0) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
    }
    view_row *src = a, *dst = tmp;
    for (size_t w = RUN; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = lo + w < n ? lo + w : n;
            size_t hi = lo + 2 * w < n ? lo + 2 * w : n;
            if (mid >= hi || row_cmp(&src[mid - 1], &src[mid], desc) <= 0) {
                memcpy(dst + lo, src + lo, (hi - lo) * sizeof *src);
                continue;
            }
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = row_cmp(&src[j], &src[i], desc) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        view_row *t = src;
        src = dst;
        dst = t;
    }
    if (src != a) memcpy(a, src, n * sizeof *a);
}

/* ---- lifetime and refresh ------------------------------------------------- */

static void adopt_spec(ct_view *v, const ct_view_spec *spec)
{
    if (spec) v->spec = *spec;
    else memset(&v->spec, 0, sizeof v->spec);
    v->spec.search[sizeof v->spec.search - 1] = '\0';
    size_t i = 0;
    for (; v->spec.search[i]; i++) v->needle[i] = (char)lower((unsigned char)v->spec.search[i]);
    v->needle[i] = '\0';
    v->needle_len = i;
    v->built = false;
}

ct_view *ct_view_new(const ct_store *s, const ct_view_spec *spec)
{
    if (!s) return NULL;
    ct_view *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->s = s;
    adopt_spec(v, spec);
    return v;
}

void ct_view_free(ct_view *v)
{
    if (!v) return;
    free(v->rows);
    free(v->tmp);
    free(v);
}

/* Whether two specs select and order the same rows: `status`, `direction`
 * and `now` matter only to the filter or sort that reads them, so a caller
 * may refresh `now` every frame without forcing rebuilds. */
static bool spec_equal(const ct_view_spec *a, const ct_view_spec *b)
{
    return a->filter == b->filter && a->sort == b->sort && a->descending == b->descending &&
        (a->sort != CT_SORT_DURATION || a->now == b->now) &&
        (a->filter != CT_FILTER_STATUS || a->status == b->status) &&
        (a->filter != CT_FILTER_DIRECTION || a->direction == b->direction) &&
        strncmp(a->search, b->search, sizeof a->search - 1) == 0 &&
        strncmp(a->assistant_id, b->assistant_id, sizeof a->assistant_id - 1) == 0 &&
        strncmp(a->our_number, b->our_number, sizeof a->our_number - 1) == 0;
}

/* The spec is always stored (ct_view_spec_get returns what was set); the
 * rows are kept when it selects and orders the same ones. */
void ct_view_set_spec(ct_view *v, const ct_view_spec *spec)
{
    if (!v || !spec) return;
    bool same = spec_equal(&v->spec, spec), built = v->built;
    adopt_spec(v, spec);
    if (same) v->built = built;
}

const ct_view_spec *ct_view_spec_get(const ct_view *v)
{
    return v ? &v->spec : NULL;
}

static ct_time_ms view_now(const ct_view *v)
{
    return v->spec.now ? v->spec.now : wall_clock_ms();
}

void ct_view_refresh(ct_view *v)
{
    if (!v) return;
    const ct_store *s = v->s;
    ct_time_ms now = 0;
    bool clock_sort = v->spec.sort == CT_SORT_DURATION && !v->spec.now;
    if (clock_sort) now = wall_clock_ms();
    if (v->built && v->built_gen == s->gen && (!clock_sort || now / 1000 == v->built_now / 1000))
        return;

    if (s->n > v->cap) {
        size_t cap = v->cap ? v->cap : 64;
        while (cap < s->n) cap *= 2;
        view_row *r = realloc(v->rows, cap * sizeof *r);
        if (r) v->rows = r;
        view_row *t = r ? realloc(v->tmp, cap * sizeof *t) : NULL;
        if (t) v->tmp = t;
        if (!r || !t) {
            /* Keep the old rows only if they cannot dangle; else show nothing. */
            if (v->built_gen != s->gen) v->n = 0;
            return;
        }
        v->cap = cap;
    }
    v->built_now = clock_sort ? now : view_now(v);
    size_t n = 0;
    for (size_t i = 0; i < s->n; i++) {
        const ct_entry *e = s->all[i];
        if (matches(v, e)) fill_key(v, &v->rows[n++], e);
    }
    v->n = n;
    sort_rows(v->rows, v->tmp, n, v->spec.descending);
    v->built = true;
    v->built_gen = s->gen;
}

size_t ct_view_count(ct_view *v)
{
    if (!v) return 0;
    ct_view_refresh(v);
    return v->n;
}

const ct_call_entry *ct_view_at(ct_view *v, size_t i)
{
    if (!v) return NULL;
    ct_view_refresh(v);
    return i < v->n ? &v->rows[i].e->pub : NULL;
}

long ct_view_index_of(ct_view *v, const char *call_id)
{
    if (!v || !call_id) return -1;
    ct_view_refresh(v);
    const ct_entry *e = ct_store_find(v->s, call_id, ct_store_hash(call_id));
    if (!e || !matches(v, e)) return -1;
    /* The rows are in a total order of (key, id), built with the same keys
     * this entry has now (nothing changed since the refresh): bisect. */
    view_row probe;
    fill_key(v, &probe, e);
    size_t lo = 0, hi = v->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = row_cmp(&v->rows[mid], &probe, v->spec.descending);
        if (c == 0) return v->rows[mid].e == e ? (long)mid : -1;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}
