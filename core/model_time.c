/* model_time.c — ISO-8601 <-> epoch milliseconds, with no libc time zone
 * machinery (no timegm, no TZ): the civil-date arithmetic is Howard
 * Hinnant's days_from_civil / civil_from_days, exact for the proleptic
 * Gregorian calendar.
 *
 * Accepted: YYYY-MM-DD('T'|'t'|' ')hh:mm:ss[(.|,)f{1,9}][Z|z|±hh|±hh:mm|±hhmm].
 * A missing zone is read as UTC (naive timestamps from some servers).
 * Results must lie in [1970-01-01, 9999-12-31T23:59:59.999Z]. */
#include "calltop/model.h"

#include <stdio.h>

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                                  /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Reads exactly n decimal digits. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9') return 0;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 1;
}

ct_err ct_time_parse_iso(const char *s, ct_time_ms *out)
{
    if (!s || !out) return CT_EVALUE;
    const char *p = s;
    int y, mo, d, h, mi, sec, ms = 0;
    if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
        !digits(&p, 2, &d))
        return CT_EVALUE;
    if (*p != 'T' && *p != 't' && *p != ' ') return CT_EVALUE;
    p++;
    if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi) || *p++ != ':' ||
        !digits(&p, 2, &sec))
        return CT_EVALUE;
    if (*p == '.' || *p == ',') {
        p++;
        int n = 0;
        while (p[n] >= '0' && p[n] <= '9') {
            if (n < 3) ms = ms * 10 + (p[n] - '0');
            n++;
        }
        if (n < 1 || n > 9) return CT_EVALUE;
        for (int i = n; i < 3; i++) ms *= 10;
        p += n;
    }
    int off_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (!digits(&p, 2, &oh)) return CT_EVALUE;
        if (*p == ':') {
            p++;
            if (!digits(&p, 2, &om)) return CT_EVALUE;
        } else if (*p >= '0' && *p <= '9') {
            if (!digits(&p, 2, &om)) return CT_EVALUE;
        }
        if (oh > 23 || om > 59) return CT_EVALUE;
        off_min = sign * (oh * 60 + om);
    }
    if (*p != '\0') return CT_EVALUE;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59)
        return CT_EVALUE;
    int64_t t = days_from_civil(y, mo, d) * 86400000LL +
        ((int64_t)h * 3600 + mi * 60 + sec) * 1000 + ms - (int64_t)off_min * 60000;
    if (t < 0 || t > CT_TIME_MAX_MS) return CT_EVALUE;
    *out = t;
    return CT_OK;
}

void ct_time_format_iso(ct_time_ms t, char *buf, size_t len)
{
    if (!buf || len == 0) return;
    if (len < 25) {
        buf[0] = '\0';
        return;
    }
    int64_t days = t >= 0 ? t / 86400000 : -((-t + 86399999) / 86400000);
    int64_t rem = t - days * 86400000; /* [0, 86399999] */
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 0 || y > 9999) { /* not representable in the fixed format */
        buf[0] = '\0';
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (int)y, m, d, (int)(rem / 3600000),
             (int)(rem / 60000 % 60), (int)(rem / 1000 % 60), (int)(rem % 1000));
}
