/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file store_personnel.h
 * @brief The personnel model of the BioTime-compatible API (part of store.h): departments,
 * positions, areas and employees (tables of schema 6), with the employees' sync to the terminals.
 *
 * Departments, positions and areas are "org units" (id, code, name, parent id). **An area is a
 * sync group**: area_code is the sync_group of devices and users. Every group in use
 * (devices.sync_group, users.sync_group) has an area row: zs_areas_ensure() inserts the missing
 * ones (code and name = the group) and runs before every read or check of areas, so a group that
 * appeared on a device (registered by PUSH, added as a 4370 terminal, or changed through
 * /api/v1) shows up as an area without any hook in those paths. Creating an area creates the
 * group (a group is only a name); renaming an area's code renames the group of its devices,
 * users and forwarding filters (forwarder_filters kind 'group') in the same transaction.
 *
 * **An employee is a user** (users.id = id, users.pin = emp_code) plus its optional `employees`
 * row (BioTime fields) and its `employee_areas`. users.name = "first last" (trimmed) is what the
 * terminals show; users.password = device_password, users.card = card_no, users.privilege =
 * dev_privilege. A user without an employees row (learnt from a terminal) reads as an employee
 * with first_name = its name, department 1 and the one area of its sync_group. users.sync_group
 * of an employee = the code of its first area ("" with no area: no terminal gets it). The terminal
 * commands are queued in the transaction that writes the rows (store/sync.c): for every PUSH
 * terminal of each of the employee's areas, the user (DATA UPDATE USERINFO) unless that terminal
 * already holds the same hash, then its templates and photos it lacks; for every PUSH terminal of
 * an area it left, DATA DELETE USERINFO. users.hash is computed as store/ingest.c computes it
 * (zs_user_hash), so a terminal uploading the user back does not start a new round. 4370
 * terminals are the caller's (jobs; the results list the groups concerned).
 *
 * Strings are NUL-terminated UTF-8 in fixed arrays; the structs own nothing except where noted.
 * Errors: as store.h; ZKBIO_ENOENT (unknown id), ZKBIO_EEXIST (a code or emp_code taken),
 * ZKBIO_EBUSY (a unit still used; the reason in `why`), ZKBIO_EINVAL (a referenced department,
 * position or area does not exist: `why` names the field and the id).
 * Thread-safety: as every store function.
 */
#ifndef ZKBIOD_STORE_PERSONNEL_H
#define ZKBIOD_STORE_PERSONNEL_H

#include <stddef.h>
#include <stdint.h>

typedef struct zs_store zs_store;

typedef enum zs_org_kind {
    ZS_ORG_DEPARTMENT = 0, /**< table departments: dept_code, dept_name */
    ZS_ORG_POSITION = 1,   /**< table positions: position_code, position_name */
    ZS_ORG_AREA = 2,       /**< table areas: area_code (a sync group), area_name */
} zs_org_kind;

#define ZS_ORG_CODE_MAX 64
#define ZS_ORG_NAME_MAX 128

/** One department, position or area. */
typedef struct zs_org_unit {
    int64_t id;
    char code[ZS_ORG_CODE_MAX + 1];
    char name[ZS_ORG_NAME_MAX + 1];
    int64_t parent_id; /**< 0 = none */
} zs_org_unit;

/** Ordering of lists: ascending, or descending with ZS_ORDER_DESC added. */
enum {
    ZS_ORDER_ID = 0,
    ZS_ORDER_CODE = 1, /**< org units: code; employees: emp_code */
    ZS_ORDER_NAME = 2, /**< org units: name; employees: first_name */
    ZS_ORDER_LAST_NAME = 3,
    ZS_ORDER_HIRE_DATE = 4,
    ZS_ORDER_UPDATED = 5,
    ZS_ORDER_DESC = 16,
};

/** Filters of an org unit list; NULL or "" = not filtering. *_contains: case-insensitive
 * substring (ASCII case folding on SQLite). */
typedef struct zs_org_filter {
    const char *code, *name;
    const char *code_contains, *name_contains;
    int order;             /**< ZS_ORDER_ID / CODE / NAME, | ZS_ORDER_DESC */
    int64_t offset, limit; /**< limit 1..100000 */
} zs_org_filter;

/** Insert the areas of groups in use that have none (see above). */
int zs_areas_ensure(zs_store *st);
/** A page of units (*rows malloc'd, free()) and *total, the rows matching. */
int zs_org_list(zs_store *st, zs_org_kind kind, const zs_org_filter *f, zs_org_unit **rows,
                size_t *n, int64_t *total);
int zs_org_get(zs_store *st, zs_org_kind kind, int64_t id, zs_org_unit *out);
/** Insert (code and name non-empty; parent_id 0 or an existing unit of the kind). *id = the new
 * id. ZKBIO_EEXIST: code taken. */
int zs_org_create(zs_store *st, zs_org_kind kind, const zs_org_unit *in, int64_t *id);
/** Replace code, name and parent of unit in->id. ZKBIO_ENOENT, ZKBIO_EEXIST. An area's new code
 * renames its group on devices and users. */
int zs_org_update(zs_store *st, zs_org_kind kind, const zs_org_unit *in);
/** Delete a unit. ZKBIO_EBUSY (why: e.g. "3 employees are in this department") for a department
 * with employees, an area with devices or employees; a position's employees lose it. */
int zs_org_delete(zs_store *st, zs_org_kind kind, int64_t id, char *why, size_t whysz);

/** Template summary of an employee: count and algorithm version per biometric. */
typedef struct zs_bio_summary {
    int count;
    int version; /**< major version of the newest template, 0 unknown */
} zs_bio_summary;

#define ZS_EMP_AREAS_MAX 16 /**< areas per employee */

/** One employee as the API reads and writes it. */
typedef struct zs_employee {
    int64_t id; /**< users.id */
    char emp_code[25];
    char first_name[129], last_name[129], nickname[129];
    char device_password[65];
    char card_no[33];
    zs_org_unit department;           /**< id 0 on write = keep (create: 1) */
    zs_org_unit position;             /**< id 0 = none */
    char hire_date[11], birthday[11]; /**< "YYYY-MM-DD" or "" */
    char gender[2];                   /**< "M", "F" or "" */
    int emp_type;                     /**< 0 = not set */
    char email[256], mobile[33];
    char extra[2048]; /**< JSON object text of the other BioTime fields ("" = {}) */
    int privilege;    /**< users.privilege (dev_privilege): 0, 2, 6, 14 */
    zs_org_unit areas[ZS_EMP_AREAS_MAX];
    size_t nareas;
    zs_bio_summary fingerprint, face, palm, vl_face; /**< read only */
    int64_t updated_at;                              /**< Unix seconds */
} zs_employee;

/** Filters of the employee list; NULL/"" and 0 = not filtering. */
typedef struct zs_emp_filter {
    const char *emp_code, *emp_code_contains;
    const char *first_name, *first_name_contains;
    const char *last_name, *last_name_contains;
    int64_t department, area;
    int order; /**< ZS_ORDER_*, | ZS_ORDER_DESC */
    int64_t offset, limit;
} zs_emp_filter;

/** A page of employees (*rows malloc'd, free(); ~6 KiB each) and *total. */
int zs_employee_list(zs_store *st, const zs_emp_filter *f, zs_employee **rows, size_t *n,
                     int64_t *total);
int zs_employee_get(zs_store *st, int64_t id, zs_employee *out);

/** What a write changed for the terminals: the groups (area codes) the employee is in now and
 * those it left, for the caller's 4370 jobs. */
typedef struct zs_emp_change {
    char now[ZS_EMP_AREAS_MAX][ZS_ORG_CODE_MAX + 1];
    size_t nnow;
    char left[ZS_EMP_AREAS_MAX][ZS_ORG_CODE_MAX + 1];
    size_t nleft;
    char pin[25];
} zs_emp_change;

/**
 * Create (create = 1: ZKBIO_EEXIST when emp_code is a user already) or update employee in->id
 * (ZKBIO_ENOENT) with every field of *in (the caller merged a partial update into the stored
 * row); in->areas by id only (codes are looked up), in->department.id / position.id by id. One
 * transaction: users, employees, employee_areas and the PUSH commands. *id (may be NULL) = the
 * employee's id; *chg (may be NULL) = the groups concerned.
 */
int zs_employee_save(zs_store *st, const zs_employee *in, int create, int64_t *id,
                     zs_emp_change *chg, char *why, size_t whysz);
/** Delete an employee: its user, templates, photos, employees and employee_areas rows, and DATA
 * DELETE USERINFO queued for the PUSH terminals of its groups. *chg.left = those groups. */
int zs_employee_delete(zs_store *st, int64_t id, zs_emp_change *chg);

#endif /* ZKBIOD_STORE_PERSONNEL_H */
