#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""zkbiod's OpenAPI documents linted and checked against THE route table (daemon/http/routes.c):
docs/openapi.yaml (OpenAPI 3.1, the terminal listener: /health and /api/v1, family A) and
docs/openapi/fingerprint-service.json (OpenAPI 3.0, the fingerprint service listener, family F) and
docs/openapi/biotime.yaml (OpenAPI 3.1, the BioTime-compatible API, family B: roles in x-zkbio-role as family A,
security the alternatives JWT, Token, Bearer, Basic; 4xx/5xx bodies DrfError or FieldErrors; every list (a 200
whose schema refers to ListEnvelope) takes page, page_size and limit).

  lint:  parses (YAML through python3-yaml, JSON), the document's openapi version, info.title/version,
         every operation has a summary, responses with a 2xx (and a 4xx unless public), a security list
         (empty for public), every {param} of its path declared (path or operation level, in: path), every
         $ref resolving inside the document. docs/openapi.yaml also: every operation has an operationId and
         an x-zkbio-role (public | viewer | operator | admin) that matches its security (public <-> [],
         else bearerJWT), every list (a 200 whose data is a *Page schema) takes limit and after, every
         JSON GET takes If-None-Match, documents 304 and an ETag on its 200, and every error status of
         /api/v1 refers to the ErrorEnvelope.
  table: every route line {"METHOD", "PATTERN", FAMILY, PERMISSION, ...} appears in the document of its
         family with its method ("*" = any: at least one operation on the path) and its permission
         (ZAUTH_PUBLIC <-> public; for family A the role ZAUTH_VIEWER/OPERATOR/ADMIN <-> x-zkbio-role; for
         family F a key permission <-> apiKey); a permission macro of routes.c (#define ADM ZAUTH_ADMIN, ...)
         is expanded first; every documented operation is served by a route.
Patterns map to paths as: "[/api]" -> "/api", a "*" or "**" segment -> one {param}, a trailing "/" dropped.
Usage: check-openapi.py SOURCE_ROOT [--no-selftest]. One line per problem; exit 1 if any; 77 (skip) when
python3-yaml is not installed.
"""
import json
import os
import re
import sys

try:
    import yaml
except ImportError:  # pragma: no cover - the package list of scripts/setup-deps.sh has python3-yaml
    yaml = None

DOCS = {"A": "docs/openapi.yaml", "F": "docs/openapi/fingerprint-service.json"}
# family B (issue 16, bttx part): the BioTime-compatible API, roles as family A, its own credentials
DOCS["B"] = "docs/openapi/biotime.yaml"
BT_SECURITY = [{"JWT": []}, {"Token": []}, {"Bearer": []}, {"Basic": []}]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ROLES = ("public", "viewer", "operator", "admin")
# {"GET", "/api/v1/devices", A, ADM, handler, 0},  -- the table's lines, possibly wrapped after the permission
ROUTE = re.compile(r'\{\s*"([A-Z*]+)"\s*,\s*"([^"]+)"\s*,\s*([A-Z])\s*,\s*([A-Za-z_|\s]+?)\s*,')
DEFINE = re.compile(r"^#define\s+([A-Z_][A-Z0-9_]*)\s+(.*?)\s*$", re.M)
# family R (issue 16, inbound part): the Frappe-style punch methods, an integration key (token/Basic)
DOCS["R"] = "docs/openapi/frappe.yaml"


def load(root, rel):
    with open(os.path.join(root, rel), encoding="utf-8") as fh:
        text = fh.read()
    if rel.endswith(".json"):
        return json.loads(text)
    return yaml.safe_load(text)


def routes(text):
    """(method, pattern, family, permission) of each line of the routes[] table; permission macros of the
    file are expanded to their first argument (ZAUTH_ADMIN of `#define ADM ZAUTH_ADMIN, "admin"`)."""
    macros = {}
    for name, value in DEFINE.findall(text.replace("\\\n", " ")):
        macros[name] = value.split(",")[0].strip()
    start = text.find("routes[] = {")
    end = text.find("};", start)
    if start < 0 or end < 0:
        return None
    out = []
    for m, p, fam, perm in ROUTE.findall(text[start:end]):
        perm = " ".join(perm.split())
        for _ in range(4):  # macros of macros
            perm = " | ".join(macros.get(t.strip(), t.strip()) for t in perm.split("|"))
        out.append((m, p, fam, perm))
    return out


def path_of(pattern):
    p = pattern[len("[/api]"):] if pattern.startswith("[/api]") else pattern
    p = ("/api" + p) if pattern.startswith("[/api]") else p
    return re.sub(r"\*\*?", "{}", p)


def shape(path):
    """A path with its parameters unnamed and without a trailing slash (/api/v1/devices/ is an alias)."""
    s = re.sub(r"\{[^}]*\}", "{}", path)
    return s[:-1] if len(s) > 1 and s.endswith("/") else s


def family_shape(fam, path):
    """shape(), and for family R (one route serves every dotted /api/method/<app>.<name>) a documented
    segment "{app_path}.receive_attendance_log" counts as the route's one "*" segment."""
    s = shape(path)
    return re.sub(r"\{\}[^/]*", "{}", s) if fam == "R" else s


def doc_kind(fam, op):
    """What an operation's document says it needs: public, viewer, operator, admin (family A) or key (F)."""
    sec = op.get("security")
    if sec == []:
        return "public"
    names = {n for s in (sec or []) for n in s}
    if fam == "R":  # an integration key: `token key:secret` or Basic (docs/openapi/frappe.yaml)
        return "integ" if names and names <= {"frappeToken", "frappeBasic"} else "?" + ",".join(sorted(names))
    if fam == "A":
        if names == {"bearerJWT"}:
            return str(op.get("x-zkbio-role"))
    elif fam == "B":
        if sec == BT_SECURITY:
            return str(op.get("x-zkbio-role"))
    elif names == {"bearerAuth"}:
        return "admin"
    elif names == {"apiKey"}:
        return "key"
    return "?" + ",".join(sorted(names))


def perm_kind(perm):
    """What a table line's permission needs, in the documents' words."""
    toks = {t.strip() for t in perm.split("|")}
    for tok, kind in (("ZAUTH_PUBLIC", "public"), ("ZAUTH_ADMIN", "admin"), ("ZAUTH_OPERATOR", "operator"),
                      ("ZAUTH_VIEWER", "viewer")):
        if toks == {tok}:
            return kind
    if toks == {"ZAUTH_INTEGRATION"}:  # family R: an integration key (docs/openapi/frappe.yaml)
        return "integ"
    if toks and all(t.startswith("ZAUTH_PERM_") for t in toks):
        return "key"
    return "?" + perm


def resolve(doc, ref):
    """The node a local $ref names, or None."""
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def deref(doc, node):
    for _ in range(8):
        if isinstance(node, dict) and "$ref" in node:
            node = resolve(doc, node["$ref"]) or {}
        else:
            break
    return node


def refs_in(node):
    """Every $ref string under node."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "$ref" and isinstance(v, str):
                yield v
            else:
                yield from refs_in(v)
    elif isinstance(node, list):
        for v in node:
            yield from refs_in(v)


def lint_v1(name, doc, path, method, op, errors):
    """The rules of docs/openapi.yaml beyond the common ones."""
    where = f"{method.upper()} {path}"
    if not op.get("operationId"):
        errors.append(f"{name}: {where}: no operationId")
    role = op.get("x-zkbio-role")
    if role not in ROLES:
        errors.append(f"{name}: {where}: x-zkbio-role must be one of {', '.join(ROLES)} (has {role!r})")
    elif (role == "public") != (op.get("security") == []):
        errors.append(f"{name}: {where}: x-zkbio-role {role} but security {op.get('security')!r}")
    elif role != "public" and op.get("security") != [{"bearerJWT": []}]:
        errors.append(f"{name}: {where}: security must be [{{bearerJWT: []}}]")
    responses = op.get("responses", {})
    for code, resp in responses.items():
        if str(code)[0] in "45" and path.startswith("/api/v1/"):
            body = deref(doc, resp).get("content", {}).get("application/json", {}).get("schema")
            if "#/components/schemas/ErrorEnvelope" not in set(refs_in(body)):
                errors.append(f"{name}: {where}: status {code} is not an ErrorEnvelope")
    ok = deref(doc, responses.get("200", {}))
    schema = ok.get("content", {}).get("application/json", {}).get("schema")
    params = {deref(doc, p).get("name") for p in op.get("parameters", []) + doc["paths"][path].get("parameters", [])}
    if method == "get" and any(r.endswith("Page") for r in refs_in(schema)):
        for want in ("limit", "after"):
            if want not in params:
                errors.append(f"{name}: {where}: a list without the {want} parameter")
    if method == "get" and schema is not None:  # every JSON GET answers conditional requests
        if "If-None-Match" not in params:
            errors.append(f"{name}: {where}: a GET without the If-None-Match parameter")
        if "304" not in responses:
            errors.append(f"{name}: {where}: a GET without 304 (conditional GET)")
        if "ETag" not in ok.get("headers", {}):
            errors.append(f"{name}: {where}: a GET whose 200 has no ETag header")


def lint_bt(name, doc, path, method, op, errors):
    """The rules of docs/openapi/biotime.yaml (family B): roles as /api/v1, DRF error bodies, page-numbered
    lists."""
    where = f"{method.upper()} {path}"
    if not op.get("operationId"):
        errors.append(f"{name}: {where}: no operationId")
    role = op.get("x-zkbio-role")
    if role not in ROLES:
        errors.append(f"{name}: {where}: x-zkbio-role must be one of {', '.join(ROLES)} (has {role!r})")
    elif (role == "public") != (op.get("security") == []):
        errors.append(f"{name}: {where}: x-zkbio-role {role} but security {op.get('security')!r}")
    elif role != "public" and op.get("security") != BT_SECURITY:
        errors.append(f"{name}: {where}: security must be [JWT, Token, Bearer, Basic] alternatives")
    responses = op.get("responses", {})
    for code, resp in responses.items():
        if str(code)[0] in "45":
            body = deref(doc, resp).get("content", {}).get("application/json", {}).get("schema")
            refs = set(refs_in(body))
            if not refs & {"#/components/schemas/DrfError", "#/components/schemas/FieldErrors"}:
                errors.append(f"{name}: {where}: status {code} is not a DrfError or FieldErrors body")
    ok = deref(doc, responses.get("200", {}))
    schema = ok.get("content", {}).get("application/json", {}).get("schema")
    params = {deref(doc, p).get("name") for p in op.get("parameters", []) + doc["paths"][path].get("parameters", [])}
    if method == "get" and "#/components/schemas/ListEnvelope" in set(refs_in(schema)):
        for want in ("page", "page_size", "limit"):
            if want not in params:
                errors.append(f"{name}: {where}: a list without the {want} parameter")


def lint(name, fam, doc, errors):
    for ref in refs_in(doc):
        if resolve(doc, ref) is None:
            errors.append(f"{name}: $ref {ref!r} does not resolve")
    want = "3.0." if fam == "F" else "3.1."  # A, B (bttx), R (inbound): 3.1
    if not str(doc.get("openapi", "")).startswith(want):
        errors.append(f"{name}: openapi must be {want}x")
    info = doc.get("info", {})
    if not info.get("title") or not info.get("version"):
        errors.append(f"{name}: info.title and info.version are required")
    schemes = doc.get("components", {}).get("securitySchemes", {})
    for path, item in doc.get("paths", {}).items():
        declared_common = {deref(doc, p).get("name") for p in item.get("parameters", [])
                           if deref(doc, p).get("in") == "path"}
        for method in [m for m in item if m in METHODS]:
            op = item[method]
            where = f"{method.upper()} {path}"
            if not op.get("summary"):
                errors.append(f"{name}: {where}: no summary")
            codes = [str(c) for c in op.get("responses", {})]
            if not any(c.startswith("2") for c in codes):
                errors.append(f"{name}: {where}: responses need a 2xx entry (has {codes})")
            if op.get("security") != [] and not any(c.startswith("4") for c in codes):
                errors.append(f"{name}: {where}: responses need a 4xx entry (has {codes})")
            if "security" not in op or not isinstance(op["security"], list):
                errors.append(f"{name}: {where}: no security list (use [] for a public route)")
            else:
                for s in op["security"]:
                    for n in s:
                        if n not in schemes:
                            errors.append(f"{name}: {where}: security scheme {n} not in components")
            declared = declared_common | {deref(doc, p).get("name") for p in op.get("parameters", [])
                                          if deref(doc, p).get("in") == "path"}
            for p in re.findall(r"\{([^}]*)\}", path):
                if p not in declared:
                    errors.append(f"{name}: {where}: path parameter {{{p}}} not declared")
            if fam == "A":
                lint_v1(name, doc, path, method, op, errors)
            elif fam == "B":
                lint_bt(name, doc, path, method, op, errors)


def check(root):
    errors = []
    docs = {}
    for fam, rel in DOCS.items():
        try:
            docs[fam] = load(root, rel)
        except (OSError, ValueError, yaml.YAMLError) as e:
            errors.append(f"{rel}: {e}")
            continue
        if not isinstance(docs[fam], dict):
            errors.append(f"{rel}: not a mapping")
            del docs[fam]
            continue
        lint(rel, fam, docs[fam], errors)
    with open(os.path.join(root, "daemon/http/routes.c"), encoding="utf-8") as fh:
        table = routes(fh.read())
    if not table:
        return errors + ["daemon/http/routes.c: routes[] table not found"], 0
    served = {fam: [] for fam in DOCS}  # (path shape, method or "*")
    for method, pattern, fam, perm in table:
        doc = docs.get(fam)
        if doc is None:
            continue
        want = family_shape(fam, path_of(pattern))
        served[fam].append((want, method))
        where = f'routes.c {{"{method}", "{pattern}", {fam}, {perm}}}'
        items = [item for p, item in doc.get("paths", {}).items() if family_shape(fam, p) == want]
        ops = [item[m] for item in items for m in item if m in METHODS and (method == "*" or m == method.lower())]
        if not ops:
            errors.append(f"{where}: not documented in {DOCS[fam]} (path {path_of(pattern)}, method {method})")
            continue
        for op in ops:
            kind = doc_kind(fam, op)
            if kind != perm_kind(perm):
                errors.append(f"{where}: {DOCS[fam]} documents {kind}, the table says {perm_kind(perm)}")
    for fam, doc in docs.items():
        for path, item in doc.get("paths", {}).items():
            for m in [m for m in item if m in METHODS]:
                if not any(s == family_shape(fam, path) and (rm == "*" or rm.lower() == m) for s, rm in served[fam]):
                    errors.append(f"{DOCS[fam]}: {m.upper()} {path}: no route in daemon/http/routes.c serves it")
    return errors, len(table)


def main(root):
    errors, n = check(root)
    for e in errors:
        print(e)
    print(f"{n} routes, {len(DOCS)} documents: {len(errors)} problem(s)")
    return 1 if errors else 0


def selftest(root):
    """The check must catch an undocumented route, a documented operation no route serves and a role
    mismatch: copy the inputs, break them, expect failure."""
    import shutil
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        for rel in list(DOCS.values()) + ["daemon/http/routes.c"]:
            os.makedirs(os.path.join(tmp, os.path.dirname(rel)), exist_ok=True)
            shutil.copy(os.path.join(root, rel), os.path.join(tmp, rel))
        rc_path = os.path.join(tmp, "daemon/http/routes.c")
        with open(rc_path, encoding="utf-8") as fh:
            text = fh.read()
        anchor = re.search(r'\n(\s*\{"\*", "/health", A, [^\n]*\n)', text)
        if not anchor:
            print("selftest: the /health line of family A is gone from routes.c; update selftest()")
            return 1
        added = '    {"DELETE", "/api/v1/no-such-doc/*", A, ZAUTH_ADMIN, "admin", zapi_health, 0},\n'
        with open(rc_path, "w", encoding="utf-8") as fh:
            fh.write(text.replace(anchor.group(1), anchor.group(1) + added, 1))
        errors, _ = check(tmp)
        if not any('"DELETE", "/api/v1/no-such-doc/*"' in e and "not documented" in e for e in errors):
            print("selftest: an undocumented route line was NOT caught: " + "; ".join(errors))
            return 1
        # a public route documented as an admin's, and an operation no route serves, must be caught too
        ypath = os.path.join(tmp, DOCS["A"])
        doc = load(tmp, DOCS["A"])
        doc["paths"]["/health"]["get"]["security"] = [{"bearerJWT": []}]
        doc["paths"]["/health"]["get"]["x-zkbio-role"] = "admin"
        doc["paths"]["/api/v1/no-such-route"] = {"get": doc["paths"]["/health"]["get"]}
        with open(ypath, "w", encoding="utf-8") as fh:
            json.dump(doc, fh)  # JSON is YAML
        errors, _ = check(tmp)
        if not any('"/health"' in e and "documents admin" in e for e in errors):
            print("selftest: a role mismatch was NOT caught: " + "; ".join(errors))
            return 1
        if not any("GET /api/v1/no-such-route: no route" in e for e in errors):
            print("selftest: a documented operation without a route was NOT caught")
            return 1
    print("selftest: an undocumented route, an unserved operation and a role mismatch are caught")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    if yaml is None:
        # another python3 first on PATH (pyenv, a venv) may lack the module Debian's python3-yaml gives
        # the system's python3: run there when it has it
        system = "/usr/bin/python3"
        if os.path.realpath(sys.executable) != os.path.realpath(system) and os.access(system, os.X_OK):
            probe = os.system(f"{system} -c 'import yaml' 2>/dev/null")
            if probe == 0:
                os.execv(system, [system] + sys.argv)
        print("python3-yaml is not installed (apt-get install python3-yaml): skipped")
        sys.exit(77)
    rc = main(sys.argv[1])
    if "--no-selftest" not in sys.argv:
        rc |= selftest(sys.argv[1])
    sys.exit(rc)
