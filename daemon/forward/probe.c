/* SPDX-License-Identifier: Apache-2.0 */
/* The test call of a target (forward.h, zfwd_probe_run): one request on the caller's thread.
 * erpnext: GET {url}/api/method/frappe.auth.get_logged_user (Frappe's "who am I", integrations.md
 * §2.3 auth); erpnext-realtime: GET {url}/api/method/{method_path}.test_connection (§2.5);
 * webhook: a signed {"test":true} POST. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core.h"
#include "forward_impl.h"

static size_t on_data(char *p, size_t sz, size_t n, void *ctx)
{
    fwd_buf *b = ctx;
    size_t len = sz * n;
    if (b->len + len <= 256 * 1024)
        fwd_buf_add(b, p, len);
    return len;
}

int zfwd_probe_run(const zs_forwarder *fw, zfwd_probe *out)
{
    if (!fw || !out)
        return ZKBIO_EINVAL;
    memset(out, 0, sizeof(*out));
    fwd_target t;
    char field[96], msg[256];
    if (fwd_target_parse(fw->kind, fw->url, fw->settings, &t, field, sizeof(field), msg,
                         sizeof(msg)) != 0) {
        snprintf(out->message, sizeof(out->message), "invalid settings: %.60s: %.160s", field, msg);
        return ZKBIO_EINVAL;
    }
    CURL *h = curl_easy_init();
    if (!h) {
        fwd_target_wipe(&t);
        return ZKBIO_ENOMEM;
    }
    char url[1600], hdr[600], errbuf[CURL_ERROR_SIZE] = "";
    const char *body = "{\"test\":true}";
    struct curl_slist *l = curl_slist_append(NULL, "Accept: application/json");
    if (t.kind == FWD_ERPNEXT)
        snprintf(url, sizeof(url), "%s/api/method/frappe.auth.get_logged_user", t.url);
    else if (t.kind == FWD_REALTIME)
        snprintf(url, sizeof(url), "%s/api/method/%s.test_connection", t.url, t.method_path);
    else
        snprintf(url, sizeof(url), "%s", t.url);
    if (t.kind != FWD_WEBHOOK) {
        fwd_auth_header(&t, hdr, sizeof(hdr));
        l = l ? curl_slist_append(l, hdr) : NULL;
    } else {
        int64_t now = fwd_wall_ms() / 1000;
        char sig[72];
        zfwd_sign(t.secret, now, body, strlen(body), sig);
        snprintf(hdr, sizeof(hdr), "X-Zkbio-Timestamp: %lld", (long long)now);
        l = l ? curl_slist_append(l, hdr) : NULL;
        snprintf(hdr, sizeof(hdr), "X-Zkbio-Signature: %s", sig);
        l = l ? curl_slist_append(l, hdr) : NULL;
        l = l ? curl_slist_append(l, "Content-Type: application/json") : NULL;
        l = l ? curl_slist_append(l, "Idempotency-Key: test") : NULL;
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    }
    memset(hdr, 0, sizeof(hdr));
    fwd_buf resp = {0};
    curl_easy_setopt(h, CURLOPT_URL, url);
    fwd_curl_common(h, &t);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, l);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    uint64_t t0 = zc_now_ms();
    CURLcode cc = l ? curl_easy_perform(h) : CURLE_OUT_OF_MEMORY;
    out->latency_ms = (int64_t)(zc_now_ms() - t0);
    long status = 0;
    if (cc == CURLE_OK)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    out->status = (int)status;
    if (cc != CURLE_OK) {
        snprintf(out->message, sizeof(out->message), "%.100s: %.140s", curl_easy_strerror(cc),
                 errbuf[0] ? errbuf : "no answer");
    } else if (status >= 200 && status < 300) {
        out->ok = 1;
        json_t *root = resp.p ? json_loadb(resp.p, resp.len, 0, NULL) : NULL;
        const char *who = json_string_value(json_object_get(root, "message"));
        if (t.kind == FWD_ERPNEXT && who)
            snprintf(out->message, sizeof(out->message), "authenticated as %.200s", who);
        else
            snprintf(out->message, sizeof(out->message), "HTTP %ld", status);
        json_decref(root);
    } else {
        zfwd_classify((int)status, resp.p, resp.len, out->message, sizeof(out->message));
    }
    fwd_buf_free(&resp);
    curl_slist_free_all(l);
    curl_easy_cleanup(h);
    fwd_target_wipe(&t);
    return 0;
}
