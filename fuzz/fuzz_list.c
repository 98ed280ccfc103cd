/* fuzz_list.c — libFuzzer target: List Calls, List Numbers and the
 * assistant decoder on the same input. Kept calls obey the call
 * invariants; counts add up; the raw pass-through of --json gives one
 * object per kept call. */
#include "fuzz_common.h"
#include "calltop/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    ct_error err;
    ct_error_clear(&err);
    ct_call_list l;
    if (ct_call_list_decode(json, size, &l, &err) == CT_OK) {
        for (size_t i = 0; i < l.n_calls; i++) {
            FUZZ_CHECK(l.calls[i].id != NULL);
            fuzz_call_invariants(&l.calls[i]);
        }
        FUZZ_CHECK((l.n_skipped == 0) == (l.first_skip.code == CT_OK));
        FUZZ_CHECK(l.total_count >= -1);
        /* --json's raw pass-through: one object per decoded call, in order */
        ct_raw_calls *raw = ct_raw_calls_new();
        FUZZ_CHECK(raw && ct_raw_calls_add_page(raw, json, size) == CT_OK);
        char *picked = ct_raw_calls_pick(raw, &l);
        FUZZ_CHECK(picked != NULL);
        cJSON *arr = cJSON_Parse(picked);
        FUZZ_CHECK(cJSON_IsArray(arr) && (size_t)cJSON_GetArraySize(arr) == l.n_calls);
        cJSON_Delete(arr);
        free(picked);
        ct_raw_calls_free(raw);
        ct_call_list_clear(&l);
    } else {
        FUZZ_CHECK(l.calls == NULL && l.n_calls == 0);
    }

    ct_number_list nl;
    ct_error_clear(&err);
    if (ct_number_list_decode(json, size, &nl, &err) == CT_OK) {
        for (size_t i = 0; i < nl.n; i++) {
            cJSON *j = ct_number_to_json(&nl.items[i]);
            FUZZ_CHECK(j != NULL);
            char *txt = cJSON_PrintUnformatted(j);
            cJSON_Delete(j);
            FUZZ_CHECK(txt != NULL);
            ct_number back;
            cJSON *root = cJSON_Parse(txt);
            FUZZ_CHECK(root && ct_number_from_json(root, &back, NULL, &err) == CT_OK);
            FUZZ_CHECK(back.outbound_enabled == nl.items[i].outbound_enabled);
            FUZZ_CHECK((back.number == NULL) == (nl.items[i].number == NULL));
            fuzz_sanitize_str(back.number);
            fuzz_sanitize_str(back.label);
            ct_number_clear(&back);
            cJSON_Delete(root);
            free(txt);
        }
        ct_number_list_clear(&nl);
    }

    ct_assistant a;
    ct_error_clear(&err);
    if (ct_assistant_decode(json, size, &a, &err) == CT_OK) {
        FUZZ_CHECK(a.raw_json != NULL);
        fuzz_sanitize_str(a.name);
        ct_assistant_clear(&a);
    }
    return 0;
}
