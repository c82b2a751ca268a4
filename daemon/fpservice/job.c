/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fingerprint jobs of the service: one at a time per reader, each on its own thread: scan,
 * capture, enroll (3 captures, same-finger check, merge, optional duplicate check), verify (1:1)
 * and identify (1:N). Events leave through the service's callback (fps_emit); REST handlers wait
 * on the job (fp_job_wait); scan sessions stay queryable for FP_SCAN_TTL_S after they end.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zkbio/extract.h"
#include "zkbio/match.h"
#include "zkbio/merge.h"
#include "zkbio/quality.h"

#include "internal.h"
#include "log.h"

/* A capture waits in slices of this many ms, so a cancel is never missed between two. */
#define CAPTURE_SLICE_MS 250

/* ---- jobs ----------------------------------------------------------------------------------- */

static void in_release(fp_job_in *in)
{
    zkbio_template_free(in->ref);
    zkbio_template_free(in->probe_given);
    fp_gallery_free(in->tmp_gallery);
}

void fp_job_in_free(fp_job_in *in)
{
    if (!in)
        return;
    in_release(in);
    free(in);
}

static void job_free(fp_job *j)
{
    json_decref(j->result);
    json_decref(j->err_details);
    in_release(&j->in);
    pthread_cond_destroy(&j->cond);
    free(j);
}

void fp_job_put(fp_service *s, fp_job *j)
{
    if (!j)
        return;
    pthread_mutex_lock(&s->lock);
    int last = --j->refs == 0;
    pthread_mutex_unlock(&s->lock);
    if (last)
        job_free(j);
}

fp_job *fp_job_find(fp_service *s, const char *scan_id)
{
    fp_job *found = NULL;
    pthread_mutex_lock(&s->lock);
    for (fp_job *j = s->jobs; j; j = j->next)
        if (strcmp(j->scan_id, scan_id) == 0) {
            found = j;
            j->refs++;
            break;
        }
    pthread_mutex_unlock(&s->lock);
    return found;
}

static void cancel_locked(fp_job *j)
{
    if (j->done)
        return;
    j->cancel = 1;
    if (j->r)
        zkbio_reader_cancel(j->r);
}

void fp_job_cancel(fp_service *s, fp_job *j)
{
    pthread_mutex_lock(&s->lock);
    cancel_locked(j);
    pthread_mutex_unlock(&s->lock);
}

void fp_job_cancel_owner(fp_service *s, uint64_t owner)
{
    pthread_mutex_lock(&s->lock);
    for (fp_job *j = s->jobs; j; j = j->next)
        if (j->in.owner_ws == owner)
            cancel_locked(j);
    pthread_mutex_unlock(&s->lock);
}

void fp_job_reap(fp_service *s)
{
    time_t now = time(NULL);
    size_t kept = 0;
    for (fp_job **pp = &s->jobs; *pp;) {
        fp_job *j = *pp;
        int old = j->done && (now - j->finished > FP_SCAN_TTL_S || kept >= FP_SCANS_KEPT);
        if (old) {
            *pp = j->next;
            s->njobs--;
            if (--j->refs == 0)
                job_free(j);
            continue;
        }
        kept++;
        pp = &j->next;
    }
}

static const char *op_name(int kind)
{
    switch (kind) {
    case FP_JOB_ENROLL:
        return "enrollment";
    case FP_JOB_VERIFY:
        return "verification";
    case FP_JOB_IDENTIFY:
        return "identification";
    default:
        return "scan";
    }
}

/* Finish with an error: the contract code, HTTP status, message, retryable flag. */
static void job_fail(fp_job *j, int code, int http, const char *msg, json_t *details)
{
    json_t *d = details ? details : json_object();
    json_object_set_new(d, "deviceId", json_string(j->in.dev_id));
    j->err_code = code;
    j->http = http;
    j->retryable = code == FP_LOW_QUALITY || code == FP_NO_FINGERPRINT_DETECTED ||
                   code == FP_DEVICE_BUSY || code == FP_DEVICE_TIMEOUT;
    snprintf(j->err_msg, sizeof(j->err_msg), "%s", msg);
    json_decref(j->err_details);
    j->err_details = d;
    j->status = "error";
}

static void emit(fp_job *j, json_t *ev)
{
    if (!ev)
        return;
    json_object_set_new(ev, "deviceId", json_string(j->in.dev_id));
    if (j->scan_id[0])
        json_object_set_new(ev, "scanId", json_string(j->scan_id));
    fps_emit(j->s, j->in.dev_id, j->in.owner_ws, ev);
}

static void set_status(fp_job *j, const char *st)
{
    pthread_mutex_lock(&j->s->lock);
    j->status = st;
    pthread_mutex_unlock(&j->s->lock);
}

/* One capture with the job's timeout, in slices so a cancel is never missed. Returns 0 with a
 * template and its quality, or a contract error already recorded with job_fail (returns -1). */
static int capture_one(fp_job *j, zkbio_template **out, int *quality, uint64_t *scan_ms)
{
    uint64_t t0 = zc_now_ms();
    uint64_t deadline = t0 + (uint64_t)j->in.timeout_ms;
    zkbio_image *img = NULL;
    int rc;
    set_status(j, "waiting");
    for (;;) {
        pthread_mutex_lock(&j->s->lock);
        int cancel = j->cancel;
        pthread_mutex_unlock(&j->s->lock);
        if (cancel) {
            job_fail(j, FP_DEVICE_BUSY, 499, "scan cancelled", NULL);
            j->err_code = -1; /* marks a cancel */
            return -1;
        }
        uint64_t now = zc_now_ms();
        if (now >= deadline) {
            rc = ZKBIO_ETIMEDOUT;
            break;
        }
        int slice = (int)(deadline - now < CAPTURE_SLICE_MS ? deadline - now : CAPTURE_SLICE_MS);
        rc = zkbio_reader_capture(j->r, slice, &img);
        if (rc != ZKBIO_ETIMEDOUT && rc != ZKBIO_ECANCELED)
            break;
    }
    if (rc == ZKBIO_ETIMEDOUT) {
        job_fail(j, FP_NO_FINGERPRINT_DETECTED, 422, "no finger on the reader before the timeout",
                 json_pack("{s:i}", "timeout", j->in.timeout_ms));
        return -1;
    }
    if (rc == ZKBIO_EUNPLUGGED || rc == ZKBIO_ENODEV) {
        char seen[24];
        zc_iso_time(0, seen, sizeof(seen));
        job_fail(j, FP_DEVICE_DISCONNECTED, 503, "the reader was unplugged during the operation",
                 json_pack("{s:s}", "lastSeen", seen));
        return -1;
    }
    if (rc != 0) {
        job_fail(j, FP_DEVICE_INIT_FAILED, 500, "the reader failed to capture",
                 json_pack("{s:s}", "reason", zkbio_strerror(rc)));
        return -1;
    }
    j->capture_ms = zc_now_ms() - t0;
    set_status(j, "scanning");
    zkbio_extract_info info;
    memset(&info, 0, sizeof(info));
    zkbio_template *t = NULL;
    zkbio_capture_report rep; /* the retake reason of a refused capture (quality.h) */
    memset(&rep, 0, sizeof(rep));
    rep.size = sizeof(rep);
    rc = zkbio_extract_report(img, &t, &info, &rep);
    zkbio_image_free(img);
    *scan_ms = zc_now_ms() - t0;
    *quality = info.quality;
    if (rc == ZKBIO_ELOWQUALITY || (rc == 0 && (int)info.quality < j->in.quality_min)) {
        zkbio_template_free(t);
        emit(j, json_pack("{s:s,s:i}", "type", "fingerprint:detected", "quality", info.quality));
        /* added fields: why to retake (the capture's own defect, else the signal nearest its
         * limit when only the caller's threshold refused it) and what to tell the user */
        int retake = rep.retake != ZKBIO_RETAKE_NONE ? rep.retake : rep.worst;
        job_fail(j, FP_LOW_QUALITY, 422, "fingerprint quality too low, place the finger again",
                 json_pack("{s:i,s:i,s:s,s:s,s:s,s:s}", "quality", info.quality, "threshold",
                           j->in.quality_min, "operation", op_name(j->in.kind), "reason",
                           zkbio_unusable_name(info.reason), "retake", zkbio_retake_name(retake),
                           "retakeMessage", zkbio_retake_message(retake)));
        return -1;
    }
    if (rc != 0) {
        job_fail(j, FP_TEMPLATE_EXTRACTION_FAILED, 422, "could not extract a template",
                 json_pack("{s:s}", "reason", zkbio_strerror(rc)));
        return -1;
    }
    emit(j, json_pack("{s:s,s:i}", "type", "fingerprint:detected", "quality", info.quality));
    *out = t;
    return 0;
}

static void run_enroll(fp_job *j)
{
    zkbio_template *caps[FP_ENROLL_SCANS] = {NULL, NULL, NULL};
    int q[FP_ENROLL_SCANS] = {0, 0, 0};
    uint64_t ms;
    char enroll_id[40];
    snprintf(enroll_id, sizeof(enroll_id), "enroll-%s", j->scan_id + 5);
    for (int i = 0; i < FP_ENROLL_SCANS; i++) {
        if (capture_one(j, &caps[i], &q[i], &ms) != 0)
            goto out;
        /* same-finger check against the previous captures (merge.h's rule, early) */
        if (i > 0) {
            double best = -1;
            for (int k = 0; k < i; k++) {
                double sc = 0;
                if (zkbio_match(caps[k], caps[i], &sc) == 0 && sc > best)
                    best = sc;
            }
            if (best < ZKBIO_MERGE_SAME_FINGER) {
                job_fail(j, FP_ENROLLMENT_FAILED, 422,
                         "the scans are not of the same finger, start the enrollment again",
                         json_pack("{s:i,s:i,s:s}", "scansCompleted", i, "scansRequired",
                                   FP_ENROLL_SCANS, "reason", "Inconsistent scans"));
                goto out;
            }
        }
        if (i + 1 < FP_ENROLL_SCANS) {
            emit(j, json_pack("{s:s,s:i,s:i,s:s,s:i}", "type", "scan:progress", "scansCompleted",
                              i + 1, "scansRequired", FP_ENROLL_SCANS, "message",
                              "place finger again", "quality", q[i]));
        }
    }
    zkbio_template *merged = NULL;
    const zkbio_template *const cc[3] = {caps[0], caps[1], caps[2]};
    int rc = zkbio_merge(cc, &merged);
    if (rc != 0) {
        job_fail(j, rc == ZKBIO_ELOWQUALITY ? FP_LOW_QUALITY : FP_ENROLLMENT_FAILED, 422,
                 "the three scans could not be merged",
                 json_pack("{s:i,s:i,s:s}", "scansCompleted", FP_ENROLL_SCANS, "scansRequired",
                           FP_ENROLL_SCANS, "reason",
                           rc == ZKBIO_EMISMATCH ? "Inconsistent scans" : zkbio_strerror(rc)));
        goto out;
    }
    /* optional duplicate check against the caller's templates */
    if (j->in.tmp_gallery && j->in.tmp_gallery->n) {
        zkbio_candidate top;
        size_t found = 0;
        double thr = j->in.threshold >= 0 ? j->in.threshold : j->s->cfg->match_threshold;
        if (zkbio_gallery_identify(j->in.tmp_gallery->g, merged, thr, &top, 1, &found) == 0 &&
            found) {
            job_fail(j, FP_DUPLICATE_ENTRY, 409, "this finger is already enrolled",
                     json_pack("{s:s,s:s,s:s,s:f}", "userId",
                               j->in.tmp_gallery->user_ids[top.id - 1], "field", "template",
                               "matchedTemplate", j->in.tmp_gallery->tpl_ids[top.id - 1],
                               "confidence", fps_confidence(top.score, thr)));
            zkbio_template_free(merged);
            goto out;
        }
    }
    int quality = (q[0] + q[1] + q[2]) / 3;
    json_t *tpl = fp_tpl_encode(merged, j->in.iso);
    if (!tpl) {
        zkbio_template_free(merged);
        job_fail(j, FP_INTERNAL_ERROR, 500, "template export failed", NULL);
        goto out;
    }
    if (j->s->store) { /* --fp-store: keep it under userId and fingerId */
        int code =
            fp_store_enrolled(j->s, j->in.user_id, j->in.finger_id, enroll_id, merged, quality);
        if (code) {
            job_fail(j, code,
                     code == FP_DUPLICATE_ENTRY        ? 409
                     : code == FP_DB_CONNECTION_FAILED ? 503
                                                       : 500,
                     code == FP_DUPLICATE_ENTRY ? "this user's finger is already enrolled"
                                                : "the template could not be stored",
                     code == FP_DUPLICATE_ENTRY
                         ? json_pack("{s:s,s:s,s:i}", "userId", j->in.user_id, "field", "fingerId",
                                     "fingerId", j->in.finger_id)
                         : NULL);
            zkbio_template_free(merged);
            json_decref(tpl);
            goto out;
        }
    }
    zkbio_template_free(merged);
    j->result = json_pack("{s:O,s:i,s:s,s:i,s:s,s:s,s:s}", "template", tpl, "quality", quality,
                          "enrollmentId", enroll_id, "scansCompleted", FP_ENROLL_SCANS, "message",
                          "Enrollment completed", "userId", j->in.user_id, "format",
                          j->in.iso ? "iso" : "native");
    if (j->s->store && j->result) {
        json_object_set_new(j->result, "stored", json_true());
        json_object_set_new(j->result, "fingerId", json_integer(j->in.finger_id));
    }
    emit(j, json_pack("{s:s,s:o,s:i,s:s,s:i,s:i,s:I}", "type", "scan:complete", "template", tpl,
                      "quality", quality, "enrollmentId", enroll_id, "scansCompleted",
                      FP_ENROLL_SCANS, "scansRequired", FP_ENROLL_SCANS, "scanTime",
                      (json_int_t)(zc_now_ms() - j->started_ms)));
    j->http = 200;
    j->status = "complete";
out:
    for (int i = 0; i < FP_ENROLL_SCANS; i++)
        zkbio_template_free(caps[i]);
}

static void run_scan(fp_job *j)
{
    zkbio_template *t = NULL;
    int q = 0;
    uint64_t ms = 0;
    if (capture_one(j, &t, &q, &ms) != 0)
        return;
    json_t *tpl = fp_tpl_encode(t, j->in.iso);
    zkbio_template_free(t);
    if (!tpl) {
        job_fail(j, FP_INTERNAL_ERROR, 500, "template export failed", NULL);
        return;
    }
    j->result = json_pack("{s:s,s:O,s:i,s:I,s:s,s:s}", "status", "complete", "template", tpl,
                          "quality", q, "scanTime", (json_int_t)ms, "deviceId", j->in.dev_id,
                          "format", j->in.iso ? "iso" : "native");
    emit(j, json_pack("{s:s,s:o,s:i,s:I}", "type", "scan:complete", "template", tpl, "quality", q,
                      "scanTime", (json_int_t)ms));
    j->http = 200;
    j->status = "complete";
}

static void run_verify(fp_job *j)
{
    zkbio_template *t = NULL;
    int q = 0;
    uint64_t ms = 0;
    if (capture_one(j, &t, &q, &ms) != 0)
        return;
    uint64_t t0 = zc_now_ms();
    double score = 0, thr = j->in.threshold >= 0 ? j->in.threshold : j->s->cfg->match_threshold;
    const char *matched = NULL;
    int rc;
    if (j->in.ref) {
        rc = zkbio_match(t, j->in.ref, &score);
    } else { /* --fp-store: the best of the user's stored fingers */
        zkbio_candidate top;
        size_t found = 0;
        rc = zkbio_gallery_identify(j->in.tmp_gallery->g, t, 0.0, &top, 1, &found);
        if (rc == ZKBIO_ENOENT)
            rc = 0;
        if (rc == 0 && found) {
            score = top.score;
            matched = j->in.tmp_gallery->tpl_ids[top.id - 1];
        }
    }
    zkbio_template_free(t);
    if (rc != 0) {
        job_fail(j, FP_MATCH_FAILED, 500, "matching failed",
                 json_pack("{s:s,s:s}", "userId", j->in.user_id, "reason", zkbio_strerror(rc)));
        return;
    }
    int match = score >= thr;
    json_error_t je;
    j->result = json_pack_ex(&je, 0, "{s:b,s:f,s:s,s:I,s:f,s:i,s:I}", "match", match, "confidence",
                             fps_confidence(score, thr), "userId", j->in.user_id,
                             "verificationTime", (json_int_t)(zc_now_ms() - t0), "score",
                             floor(score * 100) / 100, "quality", q, "scanTime", (json_int_t)ms);
    if (j->result)
        json_object_set_new(j->result, "captureTime", json_integer((json_int_t)j->capture_ms));
    if (j->result && !j->in.ref && match && matched)
        json_object_set_new(j->result, "matchedTemplate", json_string(matched));
    if (!j->result)
        zlog_error("verify: cannot build the result: %s", je.text);
    emit(j, json_pack("{s:s,s:b,s:f,s:s}", "type", "verification:result", "match", match,
                      "confidence", fps_confidence(score, thr), "userId", j->in.user_id));
    j->http = 200;
    j->status = "complete";
}

/* 1:N over g. Unless the request gives a threshold, the library's 1:N rule (gallery.h
 * zkbio_gallery_threshold_compute) chooses it for the FPIR the configured 1:1 threshold t stands
 * for (10^(-t/10)), i.e. t + 10 log10 N rounded up to hundredths. */
static void identify_in(fp_job *j, fp_gallery *g, const zkbio_template *probe, uint64_t t0, int q)
{
    size_t n = 0;
    zkbio_gallery_count(g->g, &n);
    double thr = j->in.threshold;
    if (thr < 0 && zkbio_gallery_threshold_compute(pow(10.0, -j->s->cfg->match_threshold / 10.0), n,
                                                   &thr) != ZKBIO_OK)
        thr = j->s->cfg->match_threshold;
    zkbio_candidate top;
    size_t found = 0;
    int rc = zkbio_gallery_identify(g->g, probe, 0.0, &top, 1, &found);
    if (rc != 0 && rc != ZKBIO_ENOENT) {
        job_fail(j, FP_MATCH_FAILED, 500, "identification failed",
                 json_pack("{s:s}", "reason", zkbio_strerror(rc)));
        return;
    }
    int match = found && top.score >= thr;
    double conf = found ? fps_confidence(top.score, thr) : 0;
    j->result =
        json_pack("{s:b,s:f,s:I,s:I,s:f}", "match", match, "confidence", conf, "identificationTime",
                  (json_int_t)(zc_now_ms() - t0), "gallerySize", (json_int_t)n, "threshold", thr);
    if (found)
        json_object_set_new(j->result, "score", json_real(floor(top.score * 100) / 100));
    if (match) {
        json_object_set_new(j->result, "userId", json_string(g->user_ids[top.id - 1]));
        json_object_set_new(j->result, "matchedTemplate", json_string(g->tpl_ids[top.id - 1]));
    }
    if (q >= 0) {
        json_object_set_new(j->result, "quality", json_integer(q));
        json_object_set_new(j->result, "captureTime", json_integer((json_int_t)j->capture_ms));
    }
    json_t *ev =
        json_pack("{s:s,s:b,s:f,s:I}", "type", "identification:result", "match", match,
                  "confidence", conf, "identificationTime", (json_int_t)(zc_now_ms() - t0));
    if (match)
        json_object_set_new(ev, "userId", json_string(g->user_ids[top.id - 1]));
    emit(j, ev);
    j->http = 200;
    j->status = "complete";
}

static void run_identify(fp_job *j)
{
    zkbio_template *t = NULL;
    int q = -1;
    uint64_t ms = 0;
    if (!j->in.probe_given && capture_one(j, &t, &q, &ms) != 0)
        return;
    uint64_t t0 = zc_now_ms();
    const zkbio_template *probe = j->in.probe_given ? j->in.probe_given : t;
    if (j->in.tmp_gallery) {
        identify_in(j, j->in.tmp_gallery, probe, t0, q);
    } else {
        fp_service *s = j->s;
        pthread_rwlock_rdlock(&s->gallery_lock);
        fp_gallery *g = s->store ? s->stored /* --fp-store: the stored templates (Variant A) */
                        : j->in.key_slot >= 0 && j->in.key_slot < s->nslots
                            ? s->galleries[j->in.key_slot]
                            : NULL;
        if (g)
            identify_in(j, g, probe, t0, q);
        else
            job_fail(j, FP_RECORD_NOT_FOUND, 404,
                     "no templates to search: send templates or load a gallery first", NULL);
        pthread_rwlock_unlock(&s->gallery_lock);
    }
    zkbio_template_free(t);
}

static void *job_main(void *arg)
{
    fp_job *j = arg;
    fp_service *s = j->s;
    zkbio_reader *r = NULL;
    int need_reader = !(j->in.kind == FP_JOB_IDENTIFY && j->in.probe_given);
    int rc = need_reader ? zkbio_reader_open(s->readers, j->in.dev_id, &r) : 0;
    if (rc != 0) {
        if (rc == ZKBIO_ENODEV || rc == ZKBIO_EUNPLUGGED)
            job_fail(j, FP_DEVICE_NOT_FOUND, 404, "reader not connected", NULL);
        else if (rc == ZKBIO_EBUSY)
            job_fail(j, FP_DEVICE_BUSY, 503, "the reader is used by another program", NULL);
        else
            job_fail(j, FP_DEVICE_INIT_FAILED, 500, "the reader could not be opened",
                     json_pack("{s:s}", "reason", zkbio_strerror(rc)));
    } else {
        pthread_mutex_lock(&s->lock);
        j->r = r;
        if (j->cancel && r)
            zkbio_reader_cancel(r);
        pthread_mutex_unlock(&s->lock);
        switch (j->in.kind) {
        case FP_JOB_ENROLL:
            run_enroll(j);
            break;
        case FP_JOB_VERIFY:
            run_verify(j);
            break;
        case FP_JOB_IDENTIFY:
            run_identify(j);
            break;
        default:
            run_scan(j);
            break;
        }
    }
    int cancelled = j->err_code == -1;
    if (j->err_code && !cancelled) {
        if (j->err_code == FP_NO_FINGERPRINT_DETECTED)
            emit(j, json_pack("{s:s,s:s}", "type", "scan:timeout", "message",
                              "no finger on the reader before the timeout"));
        emit(j,
             json_pack("{s:s,s:s,s:i,s:b,s:O}", "type", "scan:error", "error", j->err_msg, "code",
                       j->err_code, "retryable", j->retryable, "details", j->err_details));
    }
    if (cancelled) {
        j->err_code = FP_DEVICE_BUSY;
        emit(j, json_pack("{s:s}", "type", "scan:stopped"));
    }
    pthread_mutex_lock(&s->lock);
    j->r = NULL;
    fp_dev *d = fp_dev_find(s, j->in.dev_id);
    if (d && d->job == j) {
        d->job = NULL;
        d->last_activity = time(NULL);
    }
    pthread_mutex_unlock(&s->lock);
    zkbio_reader_close(r);
    if (need_reader)
        fps_emit(s, j->in.dev_id, j->in.owner_ws,
                 json_pack("{s:s,s:s,s:s,s:s}", "type", "device:status", "deviceId", j->in.dev_id,
                           "status", "idle", "previousStatus", "busy"));
    pthread_mutex_lock(&s->lock);
    j->done = 1;
    j->finished = time(NULL);
    pthread_cond_broadcast(&j->cond);
    pthread_mutex_unlock(&s->lock);
    fp_job_put(s, j);
    return NULL;
}

int fp_job_start(fp_service *s, fp_job_in *in, fp_job **out, int *retry_after)
{
    char rnd[17];
    fp_job *j = calloc(1, sizeof(*j));
    if (!j || zc_random_alnum(rnd, 16) != 0) {
        free(j);
        fp_job_in_free(in);
        return FP_INTERNAL_ERROR;
    }
    j->in = *in;
    free(in);
    snprintf(j->scan_id, sizeof(j->scan_id), "scan-%s", rnd);
    j->s = s;
    j->status = "waiting";
    j->started_ms = zc_now_ms();
    pthread_cond_init(&j->cond, NULL);
    if (j->in.timeout_ms <= 0)
        j->in.timeout_ms = 30000;
    int need_reader = !(j->in.kind == FP_JOB_IDENTIFY && j->in.probe_given);
    pthread_mutex_lock(&s->lock);
    fp_job_reap(s);
    fp_dev *d = need_reader ? fp_dev_find(s, j->in.dev_id) : NULL;
    int code = 0;
    if (s->stopping) {
        code = FP_SERVICE_UNAVAILABLE;
    } else if (need_reader && (!d || !d->present)) {
        code = FP_DEVICE_NOT_FOUND;
    } else if (d && d->job) {
        code = FP_DEVICE_BUSY;
    } else if (d &&
               zc_window_hit(&d->scans, s->cfg->scan_rate_limit, 60, time(NULL), NULL, NULL) > 0) {
        code = FP_RATE_LIMIT_EXCEEDED;
        *retry_after = (int)(d->scans.start + 60 - time(NULL));
        if (*retry_after < 1)
            *retry_after = 1;
    }
    if (code) {
        pthread_mutex_unlock(&s->lock);
        job_free(j);
        return code;
    }
    if (d) {
        d->job = j;
        d->last_activity = time(NULL);
    }
    j->refs = 3; /* the list, the thread, the caller */
    j->next = s->jobs;
    s->jobs = j;
    s->njobs++;
    pthread_mutex_unlock(&s->lock);
    pthread_t th;
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&th, &at, job_main, j) != 0) {
        pthread_attr_destroy(&at);
        pthread_mutex_lock(&s->lock);
        if (d)
            d->job = NULL;
        j->done = 1;
        j->refs--; /* the thread's */
        job_fail(j, FP_INTERNAL_ERROR, 500, "cannot start a thread", NULL);
        pthread_mutex_unlock(&s->lock);
        *out = j;
        return 0;
    }
    pthread_attr_destroy(&at);
    if (need_reader)
        fps_emit(s, j->in.dev_id, j->in.owner_ws,
                 json_pack("{s:s,s:s,s:s,s:s}", "type", "device:status", "deviceId", j->in.dev_id,
                           "status", "busy", "previousStatus", "idle"));
    *out = j;
    return 0;
}

void fp_jobs_stop(fp_service *s)
{
    /* refuse new jobs, cancel the running ones and wait for them */
    pthread_mutex_lock(&s->lock);
    s->stopping = 1;
    for (fp_job *j = s->jobs; j; j = j->next)
        cancel_locked(j);
    for (;;) {
        int running = 0;
        for (fp_job *j = s->jobs; j; j = j->next)
            running += !j->done;
        if (!running)
            break;
        pthread_mutex_unlock(&s->lock);
        struct timespec ts = {0, 20 * 1000 * 1000};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
}

void fp_jobs_free(fp_service *s)
{
    pthread_mutex_lock(&s->lock);
    while (s->jobs) {
        fp_job *j = s->jobs;
        s->jobs = j->next;
        if (--j->refs == 0)
            job_free(j);
    }
    pthread_mutex_unlock(&s->lock);
}

const char *fp_job_id(const fp_job *j)
{
    return j->scan_id;
}

static void state_locked(const fp_job *j, fp_job_state *st)
{
    memset(st, 0, sizeof(*st));
    st->done = j->done;
    st->cancelled = j->cancel;
    st->status = j->status;
    st->http = j->http;
    st->err_code = j->err_code;
    snprintf(st->err_msg, sizeof(st->err_msg), "%s", j->err_msg);
    st->details = json_incref(j->err_details);
    st->result = json_incref(j->result);
    snprintf(st->scan_id, sizeof(st->scan_id), "%s", j->scan_id);
    snprintf(st->dev_id, sizeof(st->dev_id), "%s", j->in.dev_id);
}

void fp_job_get_state(fp_service *s, fp_job *j, fp_job_state *st)
{
    pthread_mutex_lock(&s->lock);
    state_locked(j, st);
    pthread_mutex_unlock(&s->lock);
}

void fp_job_state_clear(fp_job_state *st)
{
    json_decref(st->details);
    json_decref(st->result);
    st->details = st->result = NULL;
}

void fp_job_wait(fp_service *s, fp_job *job, int (*gone)(void *arg), void *arg, fp_job_state *st)
{
    pthread_mutex_lock(&s->lock);
    while (!job->done) {
        struct timespec ts;
        zc_deadline(&ts, 200);
        pthread_cond_timedwait(&job->cond, &s->lock, &ts);
        if (!job->done && !job->cancel && gone && gone(arg)) {
            zlog_info("fingerprint service: client left during %s on %s: cancelled", job->scan_id,
                      job->in.dev_id);
            job->cancel = 1;
            if (job->r)
                zkbio_reader_cancel(job->r);
        }
    }
    state_locked(job, st);
    pthread_mutex_unlock(&s->lock);
}

double fps_confidence(double score, double threshold)
{
    /* Piecewise linear: 0 -> 0, threshold -> 70 (the guides' "medium security" acceptance), twice
     * the threshold and above -> 100. So `match && confidence >= 70` in a web app means the score
     * reached the service's threshold. Two decimals, as the contract's samples. */
    double c;
    if (score <= 0)
        c = 0;
    else if (score < threshold)
        c = 70.0 * score / threshold;
    else
        c = 70.0 + 30.0 * (score - threshold) / threshold;
    if (c > 100)
        c = 100;
    return floor(c * 100 + 0.5) / 100;
}
