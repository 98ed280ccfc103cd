/* fuzz_webhook.c — libFuzzer target: the webhook envelope decoder (what
 * calltop-relay feeds with untrusted POST bodies), plus the request-body
 * decoders the simulator uses. A decoded webhook must survive
 * encode -> decode unchanged. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *json = (const char *)data;
    ct_webhook w;
    ct_error err;
    ct_error_clear(&err);
    if (ct_webhook_decode(json, size, &w, &err) == CT_OK) {
        FUZZ_CHECK(w.type_text != NULL && w.call.id != NULL);
        FUZZ_CHECK(w.error.present ? w.type == CT_WH_ERROR : true);
        cJSON *j = ct_webhook_to_json(&w);
        FUZZ_CHECK(j != NULL);
        char *txt = cJSON_PrintUnformatted(j);
        cJSON_Delete(j);
        FUZZ_CHECK(txt != NULL);
        ct_webhook back;
        ct_err rc = ct_webhook_decode(txt, strlen(txt), &back, &err);
        if (rc != CT_OK) {
            fprintf(stderr, "re-decode failed: %s\n%s\n", err.detail, txt);
            abort();
        }
        if (back.type != w.type || back.timestamp != w.timestamp ||
            strcmp(back.type_text, w.type_text) != 0 || !ct_call_equal(&back.call, &w.call) ||
            back.error.present != w.error.present || back.error.retryable != w.error.retryable) {
            fprintf(stderr, "round trip differs:\n%s\n", txt);
            abort();
        }
        fuzz_sanitize_call(&w.call);
        fuzz_sanitize_str(w.error.message);
        ct_webhook_clear(&back);
        ct_webhook_clear(&w);
        free(txt);
    } else {
        FUZZ_CHECK(w.type_text == NULL && w.call.id == NULL);
    }

    cJSON *req = NULL;
    ct_error_clear(&err);
    if (ct_connect_request_decode(json, size, &req, &err) == CT_OK) {
        FUZZ_CHECK(req != NULL);
        cJSON_Delete(req);
    } else {
        FUZZ_CHECK(req == NULL);
    }
    ct_control_action a;
    char *msg = NULL;
    ct_error_clear(&err);
    if (ct_control_request_decode(json, size, &a, &msg, &err) == CT_OK) {
        /* the decoded pair must encode again (same rules on both sides) */
        ct_control_request r = {a, msg};
        char *body = NULL;
        FUZZ_CHECK(ct_control_request_encode(&r, &body, &err) == CT_OK);
        free(body);
        free(msg);
    } else {
        FUZZ_CHECK(msg == NULL);
    }
    return 0;
}
