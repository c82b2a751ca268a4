/* SPDX-License-Identifier: Apache-2.0 */
/* zkbio_zk_command_send() (issue 17, for the Python binding's pyzk calls without a function of
 * their own) against the in-process emulator, over TCP and UDP: an acknowledged command, an answer
 * with data (DOORSTATE_RRQ), a refused one (ACK_ERROR: EIO with the code), a reply larger than the
 * caller's buffer, the reserved commands, the handle still working afterwards, and the user record
 * size it detected (zkbio_zk_client_user_size()). */
#include <string.h>

#include "../support/test.h"
#include "zkbio/zk4370_client.h"
#include "zkbio/zk4370_emu.h"

static void commands(int transport)
{
    zkbio_zk_emu_options o;
    zkbio_zk_emu_options_init(&o);
    o.users = 3;
    o.punches = 2;
    zkbio_zk_emu *e = NULL;
    zkbio_zk_client *c = NULL;
    REQUIRE(zkbio_zk_emu_start(&o, &e) == ZKBIO_OK, "emulator did not start");
    uint16_t port = 0;
    zkbio_zk_emu_port(e, &port);
    zkbio_zk_client_options co;
    zkbio_zk_client_options_init(&co);
    co.transport = transport;
    co.timeout_ms = 2000;
    REQUIRE(zkbio_zk_client_open("127.0.0.1", port, &co, &c) == ZKBIO_OK, "connect failed");

    uint8_t voice[4] = {3, 0, 0, 0};
    uint16_t code = 0;
    size_t n = 99;
    CHECK_EQ_INT(zkbio_zk_command_send(c, ZKBIO_ZK_CMD_TESTVOICE, voice, 4, NULL, 0, &n, &code),
                 ZKBIO_OK);
    CHECK_EQ_INT(code, ZKBIO_ZK_ACK_OK);
    CHECK_EQ_INT(n, 0);

    uint8_t r[8];
    memset(r, 0xAA, sizeof(r));
    CHECK_EQ_INT(
        zkbio_zk_command_send(c, ZKBIO_ZK_CMD_DOORSTATE_RRQ, NULL, 0, r, sizeof(r), &n, NULL),
        ZKBIO_OK);
    CHECK_EQ_INT(n, 1);
    CHECK_EQ_INT(r[0], 0);

    /* GET_VERSION answers 21 bytes: 4 copied, the full length reported */
    uint8_t small[4];
    CHECK_EQ_INT(zkbio_zk_command_send(c, ZKBIO_ZK_CMD_GET_VERSION, NULL, 0, small, sizeof(small),
                                       &n, &code),
                 ZKBIO_OK);
    CHECK_EQ_INT(n, 21);
    CHECK(memcmp(small, "Ver ", 4) == 0);

    /* a time the emulator cannot store is refused: EIO, code ACK_ERROR */
    uint8_t bad[4] = {0xFF, 0xFF, 0xFF, 0xFF};
    CHECK_EQ_INT(zkbio_zk_command_send(c, ZKBIO_ZK_CMD_SET_TIME, bad, 4, NULL, 0, NULL, &code),
                 ZKBIO_EIO);
    CHECK_EQ_INT(code, ZKBIO_ZK_ACK_ERROR);

    static const uint16_t reserved[] = {ZKBIO_ZK_CMD_CONNECT,      ZKBIO_ZK_CMD_EXIT,
                                        ZKBIO_ZK_CMD_AUTH,         ZKBIO_ZK_CMD_REG_EVENT,
                                        ZKBIO_ZK_CMD_PREPARE_DATA, ZKBIO_ZK_CMD_DATA,
                                        ZKBIO_ZK_CMD_DATA_WRRQ,    ZKBIO_ZK_CMD_DATA_RDY,
                                        ZKBIO_ZK_CMD_RESTART,      ZKBIO_ZK_CMD_POWEROFF};
    for (size_t i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
        CHECK_EQ_INT(zkbio_zk_command_send(c, reserved[i], NULL, 0, NULL, 0, NULL, NULL),
                     ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_zk_command_send(NULL, ZKBIO_ZK_CMD_TESTVOICE, NULL, 0, NULL, 0, NULL, NULL),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_zk_command_send(c, ZKBIO_ZK_CMD_TESTVOICE, NULL, 4, NULL, 0, NULL, NULL),
                 ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_zk_command_send(c, ZKBIO_ZK_CMD_TESTVOICE, NULL, 0, NULL, 4, NULL, NULL),
                 ZKBIO_EINVAL);

    /* the session goes on; the user record size is known after a user read */
    size_t usize = 99;
    CHECK_EQ_INT(zkbio_zk_client_user_size(c, &usize), ZKBIO_OK);
    CHECK_EQ_INT(usize, 0);
    CHECK_EQ_INT(zkbio_zk_client_user_size(NULL, &usize), ZKBIO_EINVAL);
    CHECK_EQ_INT(zkbio_zk_client_user_size(c, NULL), ZKBIO_EINVAL);
    zkbio_zk_user *users = NULL;
    size_t count = 0;
    CHECK_EQ_INT(zkbio_zk_users_get(c, &users, &count), ZKBIO_OK);
    CHECK_EQ_INT(count, 3);
    CHECK_EQ_INT(zkbio_zk_client_user_size(c, &usize), ZKBIO_OK);
    CHECK_EQ_INT(usize, 72);
    zkbio_zk_free(users);
out:
    zkbio_zk_client_close(c);
    zkbio_zk_emu_stop(e);
}

int main(void)
{
    commands(ZKBIO_ZK_TCP);
    commands(ZKBIO_ZK_UDP);
    return TEST_DONE();
}
