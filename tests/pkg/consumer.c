/* SPDX-License-Identifier: Apache-2.0 */
/* A program outside the tree built against the installed headers and zkbio.pc (test install,
 * check-install.sh): the umbrella header compiles, the library links and answers. Exit 0 when the
 * linked library's version is the headers' and a base64 round trip works. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <zkbio/zkbio.h>

int main(void)
{
    const char *v = zkbio_version();
    if (v == NULL || strcmp(v, ZKBIO_VERSION_STRING) != 0) {
        fprintf(stderr, "library %s, headers %s\n", v ? v : "(null)", ZKBIO_VERSION_STRING);
        return 1;
    }
    const uint8_t data[3] = {'z', 'k', 'b'};
    char out[16];
    int n = zkbio_base64_encode(data, sizeof(data), out, sizeof(out), NULL);
    if (n < 0 || strcmp(out, "emti") != 0) {
        fprintf(stderr, "base64: %d %s (%s)\n", n, out, zkbio_strerror(n));
        return 1;
    }
    printf("libzkbio %s\n", v);
    return 0;
}
