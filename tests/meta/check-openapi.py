#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""zkbiod's OpenAPI documents (docs/openapi/) linted and checked against THE route table
(daemon/http/routes.c).

  lint:  valid JSON, openapi 3.0.x, info.title/version, every operation has a summary, responses with a
         2xx and a 4xx, a security list (empty for public), every {param} of its path declared (path or
         operation level, in: path), every $ref resolving inside the document.
  table: every route line {"METHOD", "PATTERN", FAMILY, PERMISSION, ...} appears in the document of its
         family (A -> management.json, F -> fingerprint-service.json) with its method ("*" = any: at least
         one operation on the path) and its security (public <-> [], admin <-> bearerAuth, any key
         permission <-> apiKey); every documented operation is served by a route.
Patterns map to paths as: "[/api]" -> "/api", a "*" or "**" segment -> one {param}.
Usage: check-openapi.py SOURCE_ROOT [--no-selftest]. One line per problem; exit 1 if any.
"""
import json
import os
import re
import sys

DOCS = {"A": "docs/openapi/management.json", "F": "docs/openapi/fingerprint-service.json"}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
# {"GET", "/api/v1/devices", A, ADM, handler, 0},  -- the table's lines, possibly wrapped after the permission
ROUTE = re.compile(r'\{\s*"([A-Z*]+)"\s*,\s*"([^"]+)"\s*,\s*([AF])\s*,\s*([A-Za-z_|\s]+?)\s*,')


def routes(text):
    """(method, pattern, family, permission) of each line of the routes[] table."""
    start = text.find("routes[] = {")
    end = text.find("};", start)
    if start < 0 or end < 0:
        return None
    return [(m, p, fam, " ".join(perm.split())) for m, p, fam, perm in ROUTE.findall(text[start:end])]


def path_of(pattern):
    p = pattern[len("[/api]"):] if pattern.startswith("[/api]") else pattern
    p = ("/api" + p) if pattern.startswith("[/api]") else p
    return re.sub(r"\*\*?", "{}", p)


def shape(path):
    return re.sub(r"\{[^}]*\}", "{}", path)


def security_kind(sec):
    if sec == []:
        return "public"
    names = {n for s in sec for n in s}
    if names == {"bearerAuth"}:
        return "admin"
    if names == {"apiKey"}:
        return "key"
    return "?" + ",".join(sorted(names))


def perm_kind(perm):
    # jobs part: the roles' routes take the bearer credential as the admin routes do
    return {"PUB": "public", "ADM": "admin", "ZAUTH_VIEWER": "admin", "ZAUTH_OPERATOR": "admin"}.get(perm, "key")


def resolve(doc, ref):
    if not ref.startswith("#/"):
        return False
    node = doc
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def lint(name, doc, errors):
    def refs(node, where):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref" and (not isinstance(v, str) or not resolve(doc, v)):
                    errors.append(f"{name}: {where}: $ref {v!r} does not resolve")
                refs(v, where)
        elif isinstance(node, list):
            for v in node:
                refs(v, where)

    if not str(doc.get("openapi", "")).startswith("3.0."):
        errors.append(f"{name}: openapi must be 3.0.x")
    info = doc.get("info", {})
    if not info.get("title") or not info.get("version"):
        errors.append(f"{name}: info.title and info.version are required")
    schemes = doc.get("components", {}).get("securitySchemes", {})
    for path, item in doc.get("paths", {}).items():
        declared_common = {p.get("name") for p in item.get("parameters", []) if p.get("in") == "path"}
        for method in [m for m in item if m in METHODS]:
            op = item[method]
            where = f"{method.upper()} {path}"
            if not op.get("summary"):
                errors.append(f"{name}: {where}: no summary")
            codes = list(op.get("responses", {}))
            if not any(c.startswith("2") for c in codes) or not any(c.startswith("4") for c in codes):
                errors.append(f"{name}: {where}: responses need a 2xx and a 4xx entry (has {codes})")
            if "security" not in op or not isinstance(op["security"], list):
                errors.append(f"{name}: {where}: no security list (use [] for a public route)")
            else:
                for s in op["security"]:
                    for n in s:
                        if n not in schemes:
                            errors.append(f"{name}: {where}: security scheme {n} not in components")
            declared = declared_common | {p.get("name") for p in op.get("parameters", []) if p.get("in") == "path"}
            for p in re.findall(r"\{([^}]*)\}", path):
                if p not in declared:
                    errors.append(f"{name}: {where}: path parameter {{{p}}} not declared")
    refs(doc, "document")


def check(root):
    errors = []
    docs = {}
    for fam, rel in DOCS.items():
        try:
            with open(os.path.join(root, rel), encoding="utf-8") as fh:
                docs[fam] = json.load(fh)
        except (OSError, ValueError) as e:
            errors.append(f"{rel}: {e}")
            continue
        lint(rel, docs[fam], errors)
    with open(os.path.join(root, "daemon/http/routes.c"), encoding="utf-8") as fh:
        table = routes(fh.read())
    if not table:
        return errors + ["daemon/http/routes.c: routes[] table not found"], 0
    served = {fam: [] for fam in DOCS}  # (path shape, method or "*")
    for method, pattern, fam, perm in table:
        doc = docs.get(fam)
        if doc is None:
            continue
        want = shape(path_of(pattern))
        served[fam].append((want, method))
        where = f'routes.c {{"{method}", "{pattern}", {fam}, {perm}}}'
        items = [item for p, item in doc.get("paths", {}).items() if shape(p) == want]
        ops = [item[m] for item in items for m in item if m in METHODS and (method == "*" or m == method.lower())]
        if not ops:
            errors.append(f"{where}: not documented in {DOCS[fam]} (path {path_of(pattern)}, method {method})")
            continue
        for op in ops:
            kind = security_kind(op.get("security"))
            if kind != perm_kind(perm):
                errors.append(f"{where}: {DOCS[fam]} documents security {kind}, the table says {perm_kind(perm)}")
    for fam, doc in docs.items():
        for path, item in doc.get("paths", {}).items():
            for m in [m for m in item if m in METHODS]:
                if not any(s == shape(path) and (rm == "*" or rm.lower() == m) for s, rm in served[fam]):
                    errors.append(f"{DOCS[fam]}: {m.upper()} {path}: no route in daemon/http/routes.c serves it")
    return errors, len(table)


def main(root):
    errors, n = check(root)
    for e in errors:
        print(e)
    print(f"{n} routes, {len(DOCS)} documents: {len(errors)} problem(s)")
    return 1 if errors else 0


def selftest(root):
    """The check must catch an undocumented route: copy the inputs, add a table line, expect failure."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for rel in list(DOCS.values()) + ["daemon/http/routes.c"]:
            os.makedirs(os.path.join(tmp, os.path.dirname(rel)), exist_ok=True)
            shutil.copy(os.path.join(root, rel), os.path.join(tmp, rel))
        rc_path = os.path.join(tmp, "daemon/http/routes.c")
        with open(rc_path, encoding="utf-8") as fh:
            text = fh.read()
        line = '    {"GET", "/api/v1/devices", A, ADM, zapi_devices_list, 0},\n'
        if line not in text:
            print("selftest: the anchor line is gone from routes.c; update selftest()")
            return 1
        added = '    {"DELETE", "/api/v1/users/*", A, ADM, zapi_users, 0},\n'
        with open(rc_path, "w", encoding="utf-8") as fh:
            fh.write(text.replace(line, line + added))
        errors, _ = check(tmp)
        if not any('"DELETE", "/api/v1/users/*"' in e and "not documented" in e for e in errors):
            print("selftest: an undocumented route line was NOT caught: " + "; ".join(errors))
            return 1
        # and a public route documented with a key must be caught too
        mpath = os.path.join(tmp, DOCS["A"])
        with open(mpath, encoding="utf-8") as fh:
            doc = json.load(fh)
        doc["paths"]["/health"]["get"]["security"] = [{"bearerAuth": []}]
        with open(mpath, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)
        errors, _ = check(tmp)
        if not any('"/health"' in e and "security admin" in e for e in errors):
            print("selftest: a security mismatch was NOT caught")
            return 1
    print("selftest: an undocumented route and a security mismatch are caught")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    rc = main(sys.argv[1])
    if "--no-selftest" not in sys.argv:
        rc |= selftest(sys.argv[1])
    sys.exit(rc)
