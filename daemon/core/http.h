/* SPDX-License-Identifier: Apache-2.0 */
/* Response and request helpers over civetweb used by every zkbiod handler. */
#ifndef ZKBIOD_HTTP_H
#define ZKBIOD_HTTP_H

#include <stddef.h>

#include <civetweb.h>
#include <jansson.h>

/* Send a complete response: status, Content-Type, Content-Length, `Cache-Control: no-store`,
 * `Pragma: no-cache`, and (added by civetweb) a GMT `Date` header, which PUSH devices use to set
 * their clock (push.md §2.3). Returns `status` (civetweb's "handled" value). */
int zh_send(struct mg_connection *c, int status, const char *ctype, const char *body, size_t len);

/* text/plain response. */
int zh_text(struct mg_connection *c, int status, const char *text);

/* application/json response; takes ownership of `obj`. */
int zh_json(struct mg_connection *c, int status, json_t *obj);

/* JSON error `{"error":{"code":CODE,"message":MSG}}`. */
int zh_error(struct mg_connection *c, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Read the request body into a malloc'd NUL-terminated buffer (*out, *len without the NUL).
 * Returns 0, ZKBIO_ETOOBIG when Content-Length or the data exceed `max` (nothing kept), ZKBIO_EIO
 * on a read error or a body shorter than announced, ZKBIO_ENOMEM. */
int zh_read_body(struct mg_connection *c, size_t max, char **out, size_t *len);

/* Client address as text ("127.0.0.1", "::1"). */
void zh_client_ip(const struct mg_connection *c, char *out, size_t size);

#endif /* ZKBIOD_HTTP_H */
