/* SPDX-License-Identifier: Apache-2.0 */
/* Prints the C layout of every struct the Node binding mirrors (bindings/node/lib/native.js) as
 * JSON:
 * {"struct": {"size": N, "align": N, "fields": {"name": offset, ...}}, ...}. test/abi.test.js
 * compares it with koffi.sizeof/alignof/offsetof, so a header change that the binding did not
 * follow fails a test. */
#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>

#include "zkbio/zkbio.h"

#define FIELD(s, f) printf("%s\"%s\": %zu", first ? "" : ", ", #f, offsetof(s, f)), first = 0
#define BEGIN(s)                                                                                   \
    printf("%s\"%s\": {\"size\": %zu, \"align\": %zu, \"fields\": {", nstruct++ ? ",\n" : "", #s,  \
           sizeof(s), alignof(s)),                                                                 \
        first = 1
#define END() printf("}}")

int main(void)
{
    int first = 1;
    int nstruct = 0;
    printf("{");
    BEGIN(zkbio_error_info);
    FIELD(zkbio_error_info, code);
    FIELD(zkbio_error_info, offset);
    FIELD(zkbio_error_info, line);
    FIELD(zkbio_error_info, text);
    END();
    BEGIN(zkbio_zk_time);
    FIELD(zkbio_zk_time, year);
    FIELD(zkbio_zk_time, month);
    FIELD(zkbio_zk_time, day);
    FIELD(zkbio_zk_time, hour);
    FIELD(zkbio_zk_time, minute);
    FIELD(zkbio_zk_time, second);
    END();
    BEGIN(zkbio_zk_user);
    FIELD(zkbio_zk_user, uid);
    FIELD(zkbio_zk_user, privilege);
    FIELD(zkbio_zk_user, password);
    FIELD(zkbio_zk_user, name);
    FIELD(zkbio_zk_user, card);
    FIELD(zkbio_zk_user, group);
    FIELD(zkbio_zk_user, tz_flag);
    FIELD(zkbio_zk_user, tz);
    FIELD(zkbio_zk_user, user_id);
    END();
    BEGIN(zkbio_zk_att);
    FIELD(zkbio_zk_att, uid);
    FIELD(zkbio_zk_att, user_id);
    FIELD(zkbio_zk_att, verify);
    FIELD(zkbio_zk_att, state);
    FIELD(zkbio_zk_att, time_raw);
    FIELD(zkbio_zk_att, time);
    FIELD(zkbio_zk_att, workcode);
    END();
    BEGIN(zkbio_zk_template);
    FIELD(zkbio_zk_template, uid);
    FIELD(zkbio_zk_template, fid);
    FIELD(zkbio_zk_template, flag);
    FIELD(zkbio_zk_template, data);
    FIELD(zkbio_zk_template, len);
    END();
    BEGIN(zkbio_zk_sizes);
    FIELD(zkbio_zk_sizes, users);
    FIELD(zkbio_zk_sizes, fingers);
    FIELD(zkbio_zk_sizes, records);
    FIELD(zkbio_zk_sizes, oplogs);
    FIELD(zkbio_zk_sizes, admins);
    FIELD(zkbio_zk_sizes, passwords);
    FIELD(zkbio_zk_sizes, fingers_cap);
    FIELD(zkbio_zk_sizes, users_cap);
    FIELD(zkbio_zk_sizes, records_cap);
    FIELD(zkbio_zk_sizes, fingers_av);
    FIELD(zkbio_zk_sizes, users_av);
    FIELD(zkbio_zk_sizes, records_av);
    FIELD(zkbio_zk_sizes, faces);
    FIELD(zkbio_zk_sizes, faces_cap);
    END();
    BEGIN(zkbio_zk_event);
    FIELD(zkbio_zk_event, flag);
    FIELD(zkbio_zk_event, user_id);
    FIELD(zkbio_zk_event, verify);
    FIELD(zkbio_zk_event, state);
    FIELD(zkbio_zk_event, time);
    FIELD(zkbio_zk_event, user_sn);
    FIELD(zkbio_zk_event, result);
    FIELD(zkbio_zk_event, size);
    FIELD(zkbio_zk_event, fid);
    FIELD(zkbio_zk_event, score);
    FIELD(zkbio_zk_event, value);
    END();
    BEGIN(zkbio_zk_client_options);
    FIELD(zkbio_zk_client_options, size);
    FIELD(zkbio_zk_client_options, transport);
    FIELD(zkbio_zk_client_options, comm_key);
    FIELD(zkbio_zk_client_options, timeout_ms);
    FIELD(zkbio_zk_client_options, retries);
    FIELD(zkbio_zk_client_options, charset);
    FIELD(zkbio_zk_client_options, max_dataset);
    FIELD(zkbio_zk_client_options, lenient_checksum);
    END();
    BEGIN(zkbio_zk_info);
    FIELD(zkbio_zk_info, serial);
    FIELD(zkbio_zk_info, model);
    FIELD(zkbio_zk_info, firmware);
    FIELD(zkbio_zk_info, platform);
    FIELD(zkbio_zk_info, mac);
    FIELD(zkbio_zk_info, vendor);
    FIELD(zkbio_zk_info, fp_version);
    FIELD(zkbio_zk_info, pin_width);
    FIELD(zkbio_zk_info, sizes);
    END();
    BEGIN(zkbio_minutia);
    FIELD(zkbio_minutia, x);
    FIELD(zkbio_minutia, y);
    FIELD(zkbio_minutia, angle);
    FIELD(zkbio_minutia, type);
    FIELD(zkbio_minutia, quality);
    FIELD(zkbio_minutia, view);
    END();
    BEGIN(zkbio_ofield);
    FIELD(zkbio_ofield, x0);
    FIELD(zkbio_ofield, y0);
    FIELD(zkbio_ofield, cols);
    FIELD(zkbio_ofield, rows);
    FIELD(zkbio_ofield, cells);
    END();
    BEGIN(zkbio_template);
    FIELD(zkbio_template, width);
    FIELD(zkbio_template, height);
    FIELD(zkbio_template, xres);
    FIELD(zkbio_template, yres);
    FIELD(zkbio_template, equipment);
    FIELD(zkbio_template, ansi_product_id);
    FIELD(zkbio_template, finger_position);
    FIELD(zkbio_template, impression_type);
    FIELD(zkbio_template, finger_quality);
    FIELD(zkbio_template, count);
    FIELD(zkbio_template, minutiae);
    FIELD(zkbio_template, view_count);
    FIELD(zkbio_template, ofield);
    END();
    BEGIN(zkbio_image);
    FIELD(zkbio_image, width);
    FIELD(zkbio_image, height);
    FIELD(zkbio_image, stride);
    FIELD(zkbio_image, dpi);
    FIELD(zkbio_image, pixels);
    END();
    BEGIN(zkbio_extract_info);
    FIELD(zkbio_extract_info, quality);
    FIELD(zkbio_extract_info, reason);
    FIELD(zkbio_extract_info, foreground);
    FIELD(zkbio_extract_info, minutiae);
    END();
    BEGIN(zkbio_capture_report);
    FIELD(zkbio_capture_report, size);
    FIELD(zkbio_capture_report, retake);
    FIELD(zkbio_capture_report, quality);
    FIELD(zkbio_capture_report, reasons);
    FIELD(zkbio_capture_report, worst);
    FIELD(zkbio_capture_report, dryness);
    FIELD(zkbio_capture_report, wetness);
    FIELD(zkbio_capture_report, contrast);
    FIELD(zkbio_capture_report, smear);
    FIELD(zkbio_capture_report, edge_cut);
    FIELD(zkbio_capture_report, reserved);
    FIELD(zkbio_capture_report, foreground);
    FIELD(zkbio_capture_report, offset_x);
    FIELD(zkbio_capture_report, offset_y);
    END();
    BEGIN(zkbio_candidate);
    FIELD(zkbio_candidate, id);
    FIELD(zkbio_candidate, score);
    END();
    BEGIN(zkbio_reader_info);
    FIELD(zkbio_reader_info, id);
    FIELD(zkbio_reader_info, backend);
    FIELD(zkbio_reader_info, vendor_id);
    FIELD(zkbio_reader_info, product_id);
    FIELD(zkbio_reader_info, model);
    FIELD(zkbio_reader_info, serial);
    FIELD(zkbio_reader_info, width);
    FIELD(zkbio_reader_info, height);
    FIELD(zkbio_reader_info, dpi);
    FIELD(zkbio_reader_info, caps);
    END();
    BEGIN(zkbio_reader_config);
    FIELD(zkbio_reader_config, size);
    FIELD(zkbio_reader_config, backends);
    FIELD(zkbio_reader_config, sim);
    FIELD(zkbio_reader_config, zkfp_library);
    FIELD(zkbio_reader_config, load_image);
    FIELD(zkbio_reader_config, hotplug_poll_ms);
    END();
    BEGIN(zkbio_reader_timing);
    FIELD(zkbio_reader_timing, total_us);
    FIELD(zkbio_reader_timing, backend_us);
    END();
    printf("}\n");
    return 0;
}
