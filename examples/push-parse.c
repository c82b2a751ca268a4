/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Example: parse a ZKTeco PUSH upload body with libzkbio and print the records as tab-separated
 * text.
 *
 *   push-parse TABLE < body        (TABLE: ATTLOG, OPERLOG, BIODATA, ...)
 *
 * Build against an installed libzkbio: cc push-parse.c $(pkg-config --cflags --libs zkbio)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zkbio/zkbio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s TABLE < body\n", argv[0]);
        return 2;
    }
    zkbio_push_table table = zkbio_push_table_from_name(argv[1]);
    if (table == ZKBIO_PUSH_TABLE_UNKNOWN) {
        fprintf(stderr, "unknown table %s\n", argv[1]);
        return 2;
    }
    size_t cap = 1 << 16, len = 0;
    char *body = malloc(cap);
    size_t n;
    while (body && (n = fread(body + len, 1, cap - len, stdin)) > 0) {
        len += n;
        if (len == cap) {
            char *p = realloc(body, cap *= 2);
            if (!p)
                free(body);
            body = p;
        }
    }
    if (!body)
        return 1;
    zkbio_push_batch *batch = NULL;
    int rc = zkbio_push_upload_parse(table, body, len, NULL, 0, &batch);
    free(body);
    if (rc != ZKBIO_OK) {
        fprintf(stderr, "parse failed: %s (%s)\n", zkbio_strerror(rc), zkbio_error_name(rc));
        return 1;
    }
    for (size_t i = 0; i < batch->count; i++) {
        const zkbio_push_record *r = &batch->records[i];
        switch (r->type) {
        case ZKBIO_PUSH_REC_ATTLOG:
            printf("punch\t%s\t%s\tstatus=%d\tverify=%d\n", r->u.attlog.pin, r->u.attlog.time,
                   (int)r->u.attlog.status, (int)r->u.attlog.verify);
            break;
        case ZKBIO_PUSH_REC_USER:
            printf("user\t%s\t%s\n", r->u.user.pin, r->u.user.name);
            break;
        case ZKBIO_PUSH_REC_FP:
        case ZKBIO_PUSH_REC_FACE:
        case ZKBIO_PUSH_REC_FVEIN:
        case ZKBIO_PUSH_REC_BIODATA:
            /* Templates are sensitive: print their shape, never their content. */
            printf("template\t%s\t%s\tno=%d\ttype=%d\tbytes(base64)=%zu\n", r->tag, r->u.tmpl.pin,
                   (int)r->u.tmpl.no, (int)r->u.tmpl.type, strlen(r->u.tmpl.tmp));
            break;
        default:
            printf("%s\tline %u\n", r->tag, r->line);
            break;
        }
    }
    fprintf(stderr, "%zu record(s), %zu malformed line(s)\n", batch->count, batch->n_malformed);
    zkbio_push_batch_free(batch);
    return 0;
}
