CREATE TABLE `accounts` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `username` varchar(128) NOT NULL,
  `email` varchar(255) NOT NULL,
  `password_hash` varchar(255) NOT NULL,
  `role` varchar(16) NOT NULL,
  `token_version` int(11) NOT NULL DEFAULT 1,
  `disabled` int(11) NOT NULL DEFAULT 0,
  `created_at` bigint(20) NOT NULL,
  `updated_at` bigint(20) NOT NULL,
  `last_login_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `email` (`email`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `api_tokens` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `account_id` bigint(20) NOT NULL,
  `token_hash` char(64) NOT NULL,
  `token_version` int(11) NOT NULL,
  `created_at` bigint(20) NOT NULL,
  `last_used_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `token_hash` (`token_hash`),
  KEY `api_tokens_account` (`account_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `areas` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `area_code` varchar(64) NOT NULL,
  `area_name` varchar(128) NOT NULL,
  `parent_id` bigint(20) NOT NULL DEFAULT 0,
  `created_at` bigint(20) NOT NULL DEFAULT 0,
  `updated_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `area_code` (`area_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `attendance` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `sn` varchar(40) NOT NULL,
  `pin` varchar(24) NOT NULL,
  `punch_time` char(19) NOT NULL,
  `status` int(11) NOT NULL,
  `verify` int(11) NOT NULL,
  `workcode` varchar(32) NOT NULL DEFAULT '',
  `extra` varchar(255) NOT NULL DEFAULT '',
  `received_at` bigint(20) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `attendance_dedup` (`sn`,`punch_time`,`pin`,`status`),
  KEY `attendance_time` (`punch_time`),
  KEY `attendance_sn_time` (`sn`,`punch_time`),
  KEY `attendance_pin_time` (`pin`,`punch_time`),
  KEY `attendance_sn` (`sn`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `attphotos` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `sn` varchar(40) NOT NULL,
  `name` varchar(128) NOT NULL,
  `path` varchar(1024) NOT NULL,
  `size` bigint(20) NOT NULL,
  `received_at` bigint(20) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `sn` (`sn`,`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `audit_log` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `at` bigint(20) NOT NULL,
  `actor` varchar(255) NOT NULL DEFAULT '',
  `account_id` bigint(20) NOT NULL DEFAULT 0,
  `ip` varchar(48) NOT NULL DEFAULT '',
  `action` varchar(48) NOT NULL,
  `target` varchar(255) NOT NULL DEFAULT '',
  `device_id` bigint(20) NOT NULL DEFAULT 0,
  `outcome` varchar(16) NOT NULL DEFAULT 'pending',
  `details` mediumtext DEFAULT NULL,
  `finished_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  KEY `audit_log_action` (`action`,`id`),
  KEY `audit_log_device` (`device_id`,`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `commands` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `sn` varchar(40) NOT NULL,
  `kind` varchar(8) NOT NULL,
  `pin` varchar(24) NOT NULL DEFAULT '',
  `item_key` varchar(96) NOT NULL DEFAULT '',
  `item_hash` char(64) NOT NULL DEFAULT '',
  `text` mediumtext NOT NULL,
  `status` varchar(12) NOT NULL,
  `attempts` int(11) NOT NULL DEFAULT 0,
  `return_code` int(11) DEFAULT NULL,
  `result` mediumtext DEFAULT NULL,
  `created_at` bigint(20) NOT NULL,
  `sent_at` bigint(20) DEFAULT NULL,
  `done_at` bigint(20) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `commands_due` (`sn`,`status`,`id`),
  KEY `commands_item` (`sn`,`item_key`,`status`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `departments` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `dept_code` varchar(64) NOT NULL,
  `dept_name` varchar(128) NOT NULL,
  `parent_id` bigint(20) NOT NULL DEFAULT 0,
  `created_at` bigint(20) NOT NULL DEFAULT 0,
  `updated_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `dept_code` (`dept_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `device_items` (
  `sn` varchar(40) NOT NULL,
  `item_key` varchar(96) NOT NULL,
  `pin` varchar(24) NOT NULL,
  `hash` char(64) NOT NULL,
  `updated_at` bigint(20) NOT NULL,
  PRIMARY KEY (`sn`,`item_key`),
  KEY `device_items_pin` (`sn`,`pin`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `device_leases` (
  `device_id` bigint(20) NOT NULL,
  `owner` varchar(64) NOT NULL,
  `lease_until` bigint(20) NOT NULL,
  PRIMARY KEY (`device_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `devices` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `sn` varchar(40) NOT NULL,
  `model` varchar(64) NOT NULL DEFAULT '',
  `firmware` varchar(128) NOT NULL DEFAULT '',
  `push_version` varchar(24) NOT NULL DEFAULT '',
  `device_type` varchar(16) NOT NULL DEFAULT '',
  `language` int(11) NOT NULL DEFAULT -1,
  `sync_group` varchar(64) NOT NULL DEFAULT 'default',
  `enabled` int(11) NOT NULL DEFAULT 1,
  `ip` varchar(48) NOT NULL DEFAULT '',
  `info` mediumtext DEFAULT NULL,
  `options` mediumtext DEFAULT NULL,
  `attlog_stamp` varchar(32) NOT NULL DEFAULT '',
  `operlog_stamp` varchar(32) NOT NULL DEFAULT '',
  `attphoto_stamp` varchar(32) NOT NULL DEFAULT '',
  `biodata_stamp` varchar(32) NOT NULL DEFAULT '',
  `registered_at` bigint(20) NOT NULL DEFAULT 0,
  `last_seen` bigint(20) NOT NULL DEFAULT 0,
  `transport` varchar(8) NOT NULL DEFAULT 'push',
  `name` varchar(128) NOT NULL DEFAULT '',
  `location` varchar(128) NOT NULL DEFAULT '',
  `port` int(11) NOT NULL DEFAULT 0,
  `udp` int(11) NOT NULL DEFAULT 0,
  `comm_key` bigint(20) NOT NULL DEFAULT 0,
  `tz` varchar(64) NOT NULL DEFAULT '',
  `state` varchar(16) NOT NULL DEFAULT '',
  `last_error` varchar(255) NOT NULL DEFAULT '',
  `user_count` int(11) NOT NULL DEFAULT -1,
  `fp_count` int(11) NOT NULL DEFAULT -1,
  `punch_count` int(11) NOT NULL DEFAULT -1,
  `created_by` varchar(128) NOT NULL DEFAULT '',
  `admission` varchar(16) NOT NULL DEFAULT 'approved',
  `pin_address` varchar(64) NOT NULL DEFAULT '',
  `flag` varchar(32) NOT NULL DEFAULT '',
  `reported_sn` varchar(40) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `devices_sn` (`sn`),
  KEY `devices_endpoint` (`ip`,`port`),
  KEY `devices_admission` (`admission`,`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `employee_areas` (
  `pin` varchar(24) NOT NULL,
  `area_id` bigint(20) NOT NULL,
  PRIMARY KEY (`pin`,`area_id`),
  KEY `employee_areas_area` (`area_id`,`pin`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `employees` (
  `pin` varchar(24) NOT NULL,
  `first_name` varchar(128) NOT NULL DEFAULT '',
  `last_name` varchar(128) NOT NULL DEFAULT '',
  `nickname` varchar(128) NOT NULL DEFAULT '',
  `department_id` bigint(20) NOT NULL DEFAULT 1,
  `position_id` bigint(20) NOT NULL DEFAULT 0,
  `hire_date` varchar(10) NOT NULL DEFAULT '',
  `birthday` varchar(10) NOT NULL DEFAULT '',
  `gender` varchar(1) NOT NULL DEFAULT '',
  `emp_type` int(11) NOT NULL DEFAULT 0,
  `email` varchar(255) NOT NULL DEFAULT '',
  `mobile` varchar(32) NOT NULL DEFAULT '',
  `extra` mediumtext DEFAULT NULL,
  `created_at` bigint(20) NOT NULL DEFAULT 0,
  `updated_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`pin`),
  KEY `employees_department` (`department_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `errorlog` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `sn` varchar(40) NOT NULL,
  `err_code` varchar(32) NOT NULL,
  `err_msg` varchar(255) NOT NULL,
  `data_origin` varchar(16) NOT NULL,
  `cmd_id` varchar(32) NOT NULL,
  `additional` mediumtext DEFAULT NULL,
  `received_at` bigint(20) NOT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `forwarder_filters` (
  `forwarder_id` bigint(20) NOT NULL,
  `kind` varchar(8) NOT NULL,
  `value` varchar(64) NOT NULL,
  PRIMARY KEY (`forwarder_id`,`kind`,`value`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `forwarders` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `name` varchar(64) NOT NULL,
  `kind` varchar(24) NOT NULL,
  `url` varchar(1024) NOT NULL,
  `state` varchar(16) NOT NULL DEFAULT 'active',
  `paused_reason` varchar(255) NOT NULL DEFAULT '',
  `device_filter` int(11) NOT NULL DEFAULT 0,
  `group_filter` int(11) NOT NULL DEFAULT 0,
  `settings` mediumtext DEFAULT NULL,
  `source` varchar(8) NOT NULL DEFAULT 'api',
  `lease_owner` varchar(64) NOT NULL DEFAULT '',
  `lease_until` bigint(20) NOT NULL DEFAULT 0,
  `last_error` varchar(512) NOT NULL DEFAULT '',
  `last_error_at` bigint(20) NOT NULL DEFAULT 0,
  `last_success_at` bigint(20) NOT NULL DEFAULT 0,
  `created_at` bigint(20) NOT NULL,
  `updated_at` bigint(20) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `name` (`name`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `fp_templates` (
  `user_id` varchar(128) NOT NULL,
  `finger_id` int(11) NOT NULL,
  `template_id` varchar(128) NOT NULL,
  `template` longblob NOT NULL,
  `quality` int(11) NOT NULL DEFAULT 0,
  `created_at` bigint(20) NOT NULL,
  PRIMARY KEY (`user_id`,`finger_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `integration_keys` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `api_key` varchar(64) NOT NULL,
  `secret_hash` char(64) NOT NULL,
  `name` varchar(128) NOT NULL DEFAULT '',
  `created_by` varchar(255) NOT NULL DEFAULT '',
  `created_at` bigint(20) NOT NULL,
  `last_used_at` bigint(20) NOT NULL DEFAULT 0,
  `revoked_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `api_key` (`api_key`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `jobs` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `queue` varchar(32) NOT NULL,
  `kind` varchar(48) NOT NULL,
  `device_id` bigint(20) NOT NULL DEFAULT 0,
  `state` varchar(16) NOT NULL DEFAULT 'queued',
  `priority` int(11) NOT NULL DEFAULT 5,
  `attempt` int(11) NOT NULL DEFAULT 0,
  `max_attempts` int(11) NOT NULL DEFAULT 3,
  `run_at` bigint(20) NOT NULL DEFAULT 0,
  `lease_owner` varchar(64) NOT NULL DEFAULT '',
  `lease_until` bigint(20) NOT NULL DEFAULT 0,
  `progress_done` bigint(20) NOT NULL DEFAULT 0,
  `progress_total` bigint(20) NOT NULL DEFAULT 0,
  `payload` mediumtext DEFAULT NULL,
  `result` mediumtext DEFAULT NULL,
  `errors` mediumtext DEFAULT NULL,
  `unique_key` varchar(128) DEFAULT NULL,
  `cancel_requested` int(11) NOT NULL DEFAULT 0,
  `created_by` varchar(255) NOT NULL DEFAULT '',
  `created_at` bigint(20) NOT NULL,
  `started_at` bigint(20) NOT NULL DEFAULT 0,
  `finished_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `unique_key` (`unique_key`),
  KEY `jobs_due` (`state`,`run_at`,`priority`,`id`),
  KEY `jobs_device` (`device_id`,`state`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `operlog` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `sn` varchar(40) NOT NULL,
  `op_type` int(11) NOT NULL,
  `admin` varchar(24) NOT NULL,
  `op_time` char(19) NOT NULL,
  `v1` bigint(20) NOT NULL,
  `v2` bigint(20) NOT NULL,
  `v3` bigint(20) NOT NULL,
  `received_at` bigint(20) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `sn` (`sn`,`op_type`,`op_time`,`admin`,`v1`,`v2`,`v3`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `outbox` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `forwarder_id` bigint(20) NOT NULL,
  `attendance_id` bigint(20) NOT NULL,
  `state` varchar(12) NOT NULL DEFAULT 'pending',
  `attempts` int(11) NOT NULL DEFAULT 0,
  `next_at` bigint(20) NOT NULL DEFAULT 0,
  `sent_time` varchar(40) NOT NULL DEFAULT '',
  `last_status` int(11) NOT NULL DEFAULT 0,
  `last_error` varchar(512) NOT NULL DEFAULT '',
  `created_at` bigint(20) NOT NULL,
  `updated_at` bigint(20) NOT NULL DEFAULT 0,
  `delivered_at` bigint(20) NOT NULL DEFAULT 0,
  `remote_id` varchar(140) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`),
  UNIQUE KEY `forwarder_id` (`forwarder_id`,`attendance_id`),
  KEY `outbox_due` (`forwarder_id`,`state`,`next_at`,`id`),
  KEY `outbox_delivered` (`state`,`delivered_at`),
  KEY `outbox_pending` (`forwarder_id`,`state`,`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `pending_uploads` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `sn` varchar(40) NOT NULL,
  `tbl` varchar(16) NOT NULL,
  `stamp` varchar(32) NOT NULL DEFAULT '',
  `body` longblob NOT NULL,
  `received_at` bigint(20) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `pending_uploads_sn` (`sn`,`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `photos` (
  `pin` varchar(24) NOT NULL,
  `kind` varchar(8) NOT NULL,
  `type` int(11) NOT NULL,
  `file_name` varchar(128) NOT NULL DEFAULT '',
  `content` mediumtext NOT NULL,
  `hash` char(64) NOT NULL,
  `source_sn` varchar(40) NOT NULL DEFAULT '',
  `updated_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`pin`,`kind`,`type`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `positions` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `position_code` varchar(64) NOT NULL,
  `position_name` varchar(128) NOT NULL,
  `parent_id` bigint(20) NOT NULL DEFAULT 0,
  `created_at` bigint(20) NOT NULL DEFAULT 0,
  `updated_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `position_code` (`position_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `refresh_tokens` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `account_id` bigint(20) NOT NULL,
  `family` char(32) NOT NULL,
  `token_hash` char(64) NOT NULL,
  `created_at` bigint(20) NOT NULL,
  `expires_at` bigint(20) NOT NULL,
  `used_at` bigint(20) NOT NULL DEFAULT 0,
  `revoked_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`id`),
  UNIQUE KEY `token_hash` (`token_hash`),
  KEY `refresh_tokens_account` (`account_id`),
  KEY `refresh_tokens_family` (`family`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `schema_version` (
  `version` int(11) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE `templates` (
  `pin` varchar(24) NOT NULL,
  `kind` varchar(8) NOT NULL,
  `type` int(11) NOT NULL,
  `no` int(11) NOT NULL,
  `idx` int(11) NOT NULL,
  `valid` int(11) NOT NULL DEFAULT 1,
  `duress` int(11) NOT NULL DEFAULT 0,
  `major_ver` int(11) NOT NULL DEFAULT -1,
  `minor_ver` int(11) NOT NULL DEFAULT -1,
  `format` int(11) NOT NULL DEFAULT -1,
  `tmp` mediumtext NOT NULL,
  `hash` char(64) NOT NULL,
  `source_sn` varchar(40) NOT NULL DEFAULT '',
  `updated_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`pin`,`kind`,`type`,`no`,`idx`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE `users` (
  `id` bigint(20) NOT NULL AUTO_INCREMENT,
  `pin` varchar(24) NOT NULL,
  `name` varchar(128) NOT NULL DEFAULT '',
  `privilege` int(11) NOT NULL DEFAULT 0,
  `password` varchar(64) NOT NULL DEFAULT '',
  `card` varchar(32) NOT NULL DEFAULT '',
  `grp` varchar(16) NOT NULL DEFAULT '',
  `tz` varchar(32) NOT NULL DEFAULT '',
  `verify` int(11) NOT NULL DEFAULT -1,
  `vice_card` varchar(32) NOT NULL DEFAULT '',
  `start_datetime` varchar(32) NOT NULL DEFAULT '',
  `end_datetime` varchar(32) NOT NULL DEFAULT '',
  `sync_group` varchar(64) NOT NULL DEFAULT 'default',
  `hash` char(64) NOT NULL,
  `source_sn` varchar(40) NOT NULL DEFAULT '',
  `updated_at` bigint(20) NOT NULL DEFAULT 0,
  PRIMARY KEY (`pin`),
  UNIQUE KEY `users_id` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
TRIGGER attendance_outbox AFTER INSERT ON attendance: INSERT IGNORE INTO outbox (forwarder_id, attendance_id, created_at, updated_at) SELECT f.id, NEW.id, NEW.received_at, NEW.received_at FROM forwarders f WHERE (f.device_filter = 0 OR EXISTS (SELECT 1 FROM forwarder_filters ff WHERE ff.forwarder_id = f.id AND ff.kind = 'device' AND ff.value = NEW.sn)) AND (f.group_filter = 0 OR EXISTS (SELECT 1 FROM forwarder_filters ff JOIN devices d ON d.sync_group = ff.value WHERE ff.forwarder_id = f.id AND ff.kind = 'group' AND d.sn = NEW.sn));
