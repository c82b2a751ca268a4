/* SPDX-License-Identifier: Apache-2.0 */
/* The layout of every C structure the Python binding mirrors with ctypes (zkbio/_lib.py STRUCTS):
 * one line "NAME SIZE" per structure and "NAME.FIELD OFFSET" per field, as this compiler lays them
 * out. test_layout.py compares them with ctypes' sizeof/offsetof, so a wrong mirror (silent
 * undefined behaviour at run time) fails the python-bindings test instead. */
#include <stddef.h>
#include <stdio.h>

#include "zkbio/zkbio.h"

#define S(type)        printf("%s %zu\n", #type, sizeof(type))
#define F(type, field) printf("%s.%s %zu\n", #type, #field, offsetof(type, field))

int main(void)
{
    S(zkbio_error_info);
    F(zkbio_error_info, code);
    F(zkbio_error_info, offset);
    F(zkbio_error_info, line);
    F(zkbio_error_info, text);
    S(zkbio_zk_time);
    F(zkbio_zk_time, year);
    F(zkbio_zk_time, month);
    F(zkbio_zk_time, day);
    F(zkbio_zk_time, hour);
    F(zkbio_zk_time, minute);
    F(zkbio_zk_time, second);
    S(zkbio_zk_sizes);
    F(zkbio_zk_sizes, users);
    F(zkbio_zk_sizes, fingers);
    F(zkbio_zk_sizes, records);
    F(zkbio_zk_sizes, oplogs);
    F(zkbio_zk_sizes, admins);
    F(zkbio_zk_sizes, passwords);
    F(zkbio_zk_sizes, fingers_cap);
    F(zkbio_zk_sizes, users_cap);
    F(zkbio_zk_sizes, records_cap);
    F(zkbio_zk_sizes, fingers_av);
    F(zkbio_zk_sizes, users_av);
    F(zkbio_zk_sizes, records_av);
    F(zkbio_zk_sizes, faces);
    F(zkbio_zk_sizes, faces_cap);
    S(zkbio_zk_user);
    F(zkbio_zk_user, uid);
    F(zkbio_zk_user, privilege);
    F(zkbio_zk_user, password);
    F(zkbio_zk_user, name);
    F(zkbio_zk_user, card);
    F(zkbio_zk_user, group);
    F(zkbio_zk_user, tz_flag);
    F(zkbio_zk_user, tz);
    F(zkbio_zk_user, user_id);
    S(zkbio_zk_att);
    F(zkbio_zk_att, uid);
    F(zkbio_zk_att, user_id);
    F(zkbio_zk_att, verify);
    F(zkbio_zk_att, state);
    F(zkbio_zk_att, time_raw);
    F(zkbio_zk_att, time);
    F(zkbio_zk_att, workcode);
    S(zkbio_zk_template);
    F(zkbio_zk_template, uid);
    F(zkbio_zk_template, fid);
    F(zkbio_zk_template, flag);
    F(zkbio_zk_template, data);
    F(zkbio_zk_template, len);
    S(zkbio_zk_event);
    F(zkbio_zk_event, flag);
    F(zkbio_zk_event, user_id);
    F(zkbio_zk_event, verify);
    F(zkbio_zk_event, state);
    F(zkbio_zk_event, time);
    F(zkbio_zk_event, user_sn);
    F(zkbio_zk_event, result);
    F(zkbio_zk_event, size);
    F(zkbio_zk_event, fid);
    F(zkbio_zk_event, score);
    F(zkbio_zk_event, value);
    S(zkbio_zk_info);
    F(zkbio_zk_info, serial);
    F(zkbio_zk_info, model);
    F(zkbio_zk_info, firmware);
    F(zkbio_zk_info, platform);
    F(zkbio_zk_info, mac);
    F(zkbio_zk_info, vendor);
    F(zkbio_zk_info, fp_version);
    F(zkbio_zk_info, pin_width);
    F(zkbio_zk_info, sizes);
    S(zkbio_zk_client_options);
    F(zkbio_zk_client_options, size);
    F(zkbio_zk_client_options, transport);
    F(zkbio_zk_client_options, comm_key);
    F(zkbio_zk_client_options, timeout_ms);
    F(zkbio_zk_client_options, retries);
    F(zkbio_zk_client_options, charset);
    F(zkbio_zk_client_options, max_dataset);
    F(zkbio_zk_client_options, lenient_checksum);
    S(zkbio_minutia);
    F(zkbio_minutia, x);
    F(zkbio_minutia, y);
    F(zkbio_minutia, angle);
    F(zkbio_minutia, type);
    F(zkbio_minutia, quality);
    F(zkbio_minutia, view);
    S(zkbio_ofield);
    F(zkbio_ofield, x0);
    F(zkbio_ofield, y0);
    F(zkbio_ofield, cols);
    F(zkbio_ofield, rows);
    F(zkbio_ofield, cells);
    S(zkbio_template);
    F(zkbio_template, width);
    F(zkbio_template, height);
    F(zkbio_template, xres);
    F(zkbio_template, yres);
    F(zkbio_template, equipment);
    F(zkbio_template, ansi_product_id);
    F(zkbio_template, finger_position);
    F(zkbio_template, impression_type);
    F(zkbio_template, finger_quality);
    F(zkbio_template, count);
    F(zkbio_template, minutiae);
    F(zkbio_template, view_count);
    F(zkbio_template, ofield);
    S(zkbio_image);
    F(zkbio_image, width);
    F(zkbio_image, height);
    F(zkbio_image, stride);
    F(zkbio_image, dpi);
    F(zkbio_image, pixels);
    S(zkbio_extract_info);
    F(zkbio_extract_info, quality);
    F(zkbio_extract_info, reason);
    F(zkbio_extract_info, foreground);
    F(zkbio_extract_info, minutiae);
    S(zkbio_candidate);
    F(zkbio_candidate, id);
    F(zkbio_candidate, score);
    S(zkbio_reader_info);
    F(zkbio_reader_info, id);
    F(zkbio_reader_info, backend);
    F(zkbio_reader_info, vendor_id);
    F(zkbio_reader_info, product_id);
    F(zkbio_reader_info, model);
    F(zkbio_reader_info, serial);
    F(zkbio_reader_info, width);
    F(zkbio_reader_info, height);
    F(zkbio_reader_info, dpi);
    F(zkbio_reader_info, caps);
    S(zkbio_reader_config);
    F(zkbio_reader_config, size);
    F(zkbio_reader_config, backends);
    F(zkbio_reader_config, sim);
    F(zkbio_reader_config, zkfp_library);
    F(zkbio_reader_config, load_image);
    F(zkbio_reader_config, hotplug_poll_ms);
    S(zkbio_reader_timing);
    F(zkbio_reader_timing, total_us);
    F(zkbio_reader_timing, backend_us);
    return 0;
}
