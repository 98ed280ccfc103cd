/* faults.c — which requests get a fault, and what a faulty answer looks like
 * (see faults.h and docs/simulator.md "Faults"). */
#include "faults.h"

#include <stdlib.h>
#include <string.h>

static bool draw(sim_faults *f, double rate)
{
    return rate > 0 && sim_rng_unit(&f->rng) < rate;
}

sim_fault sim_faults_decide(sim_faults *f, const char *path)
{
    sim_fault out = SIM_FAULT_NONE;
    /* Always draw all three so one fault's rate does not shift another's pattern. */
    bool reset = draw(f, f->reset_rate);
    bool limited = draw(f, f->rate_limit_rate);
    bool error = draw(f, f->error_rate) &&
        (!f->error_route || strncmp(path, f->error_route, strlen(f->error_route)) == 0);
    /* A storm: a run of consecutive requests all get 429 (no draw, so the
     * random faults' pattern is unchanged). */
    f->seen++;
    if (f->storm_count && f->seen >= f->storm_from && f->seen < f->storm_from + f->storm_count)
        limited = true;
    if (reset) out = SIM_FAULT_RESET;
    else if (limited) out = SIM_FAULT_RATE_LIMIT;
    else if (error) out = SIM_FAULT_ERROR;
    if (out != SIM_FAULT_NONE) f->injected++;
    return out;
}

void sim_faults_respond(sim_fault fault, sim_response *rs)
{
    memset(rs, 0, sizeof *rs);
    if (fault == SIM_FAULT_RATE_LIMIT) {
        sim_response_detail(rs, 429, "Too Many Requests (simulated): retry after 1 second");
        rs->hdr_name[0] = "retry-after:";
        rs->hdr_value[0] = "1";
    } else {
        sim_response_detail(rs, 500, "Internal Server Error (simulated)");
    }
}

bool sim_faults_mangle(sim_faults *f, sim_response *rs)
{
    if (!draw(f, f->malformed_rate) || !rs->body) return false;
    f->injected++;
    if (sim_rng_below(&f->rng, 2) == 0 && rs->body_len > 1) {
        /* Cut mid-document; Content-Length matches, so only a JSON parser notices. */
        rs->body_len /= 2;
        rs->body[rs->body_len] = '\0';
    } else {
        /* What a misconfigured proxy in front of the API would return. */
        static const char page[] = "<html><head><title>502 Bad Gateway</title></head>"
                                   "<body>upstream sent an invalid response</body></html>";
        char *p = strdup(page);
        if (!p) return false;
        free(rs->body);
        rs->body = p;
        rs->body_len = sizeof page - 1;
    }
    return true;
}
