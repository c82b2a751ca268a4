INSERT INTO devices (sn, model, firmware, push_version, device_type, language, sync_group, enabled, ip, info, options, attlog_stamp, operlog_stamp, registered_at, last_seen) VALUES
 ('DEV1', 'F22', 'Ver 6.60', '2.4.1', 'att', 69, 'default', 1, '10.0.0.5', 'Ver 6.60,3,4,5', '{"IPAddress":"10.0.0.5","~DeviceName":"F22"}', '9999', '8888', 1700000000, 1700000100),
 ('DEV2', '', '', '', '', -1, 'north', 0, '', NULL, NULL, '', '', 1700000001, 0),
 ('DEV3', 'ü model', 'x', '', '', -1, 'g', 1, '::1', '', 'not json', '', '', 5, 6);
INSERT INTO users (pin, name, privilege, password, card, grp, tz, verify, sync_group, hash, source_sn, updated_at) VALUES
 ('1', 'Ann', 0, 'secret', '123', '1', '', -1, 'default', 'h', 'DEV1', 1700000002),
 ('2', 'Bob "Q"', 14, '', '', '2', '', 3, 'north', 'h', '', 1700000003),
 ('3', 'Cy', 0, '', '', '', '', 0, 'default', 'h', 'DEV2', 1);
INSERT INTO templates (pin, kind, type, no, idx, valid, duress, major_ver, minor_ver, format, tmp, hash, source_sn, updated_at) VALUES
 ('1', 'FP', 1, 6, 0, 1, 0, -1, -1, -1, 'QUJDRA==', 'h', 'DEV1', 11),
 ('1', 'BIODATA', 1, 7, 0, 1, 1, 10, 0, 0, 'QUJDRA', 'h', 'DEV1', 12),
 ('3', 'FACE', 2, 0, 1, 0, 0, -1, -1, -1, 'xx', 'h', '', 13);
INSERT INTO photos (pin, kind, type, file_name, content, hash, source_sn, updated_at) VALUES
 ('1', 'USERPIC', 0, '1.jpg', 'AAAA', 'h', 'DEV1', 1), ('1', 'BIOPHOTO', 9, '', 'BBBB', 'h', '', 2);
INSERT INTO attendance (sn, pin, punch_time, status, verify, workcode, extra, received_at) VALUES
 ('DEV1', '1', '2025-01-02 08:59:58', 0, 1, '', '', 1700000010),
 ('DEV1', '2', '2025-01-02 09:00:01', 1, 15, 'W1', 'x', 1700000011),
 ('DEV2', '1', '2025-01-03 09:00:01', 255, 0, '', '', 1700000012);
INSERT INTO commands (sn, kind, pin, item_key, item_hash, text, status, attempts, return_code, result, created_at, sent_at, done_at) VALUES
 ('DEV1', 'admin', '', '', '', 'REBOOT', 'queued', 0, NULL, NULL, 100, NULL, NULL),
 ('DEV1', 'user', '1', 'user', 'h', 'DATA UPDATE USERINFO PIN=1	Name=Ann	Passwd=secret', 'done', 1, 0, '{"ID":"5","Return":"0","CMD":"DATA"}', 101, 102, 103),
 ('DEV2', 'tmpl', '1', 'fp', 'h', 'DATA UPDATE FINGERTMP PIN=1	FID=6	TMP=QUJDRA==', 'failed', 3, -1002, 'garbage{', 104, 105, 106),
 ('DEV2', 'admin', '', '', '', 'SET OPTION Delay=10', 'sent', 1, NULL, NULL, 107, 108, NULL),
 ('DEV1', 'admin', '', '', '', 'DATA QUERY ATTLOG StartTime=2025-01-01 00:00:00	EndTime=2025-01-02 23:59:59', 'failed', 1, -1005, NULL, 109, 110, 111);
INSERT INTO devices (sn, transport, name, location, port, tz, state, user_count, fp_count, punch_count, registered_at, last_seen, udp, comm_key, created_by) VALUES
 ('TCP1', 'tcp4370', 'Gate', 'Yard "B"', 4370, '+03:00', 'online', 10, 20, 30, 1700000002, 1700000200, 1, 123456, 'admin@example.com');
INSERT INTO attendance (sn, pin, punch_time, status, verify, workcode, extra, received_at) VALUES
 ('TCP1', '9', '2025-01-02 01:30:00', 4, 1, '', '', 1700000013),
 ('GONE', '1', '2025-01-02 08:59:58', 0, 1, '', '', 1700000014);
