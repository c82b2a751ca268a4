#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The direction of zkbiod's module dependencies, checked from the sources (docs/architecture.md).

    core <- db <- store <- {push, fpservice, auth, jobs, forward} <- fleet <- api <- http <- main

Rules, over every .c and .h of daemon/ (and cli/, which links no daemon code):
  1. A quoted #include names a header of the including file's own folder, a public libzkbio header
     (include/zkbio/...), or a daemon module's header; a daemon module may include only its own headers
     and the headers of the modules below it (transitively). cli/ may include no daemon header.
  2. Every module folder has exactly one public header, <module>.h. Its other headers are listed below,
     each either a PART of the public header (included by it, so callers get it through the public
     header) or INTERNAL to the module (db_impl.h...). Another module may include only the public header
     or one of its parts; an unlisted header fails (list it here and in docs/architecture.md).
Usage: check-layers.py SOURCE_ROOT. Prints one line per violation; exit 1 if any.
"""
import os
import re
import sys

# module -> the modules it may use directly (the rest of "below" follows transitively)
USES = {
    "core": [],
    "db": ["core"],
    "store": ["db", "core"],
    "auth": ["store", "core"],
    "push": ["store", "core"],
    "fpservice": ["store", "core"],
    "jobs": ["store", "core"],
    "forward": ["store", "db", "core"],  # issue 16: delivery to ERPNext and webhooks
    "fleet": ["jobs", "forward", "store", "core"],
    "api": ["fleet", "jobs", "forward", "push", "fpservice", "auth", "store", "core"],
    "http": ["api", "push", "auth", "core"],
}
MAIN = "main"  # daemon/main.c: wires every module together

# Headers besides <module>.h: PART (a piece of the public header, included by it) or INTERNAL.
OTHER_HEADERS = {
    "core": {"config.h": "PART", "log.h": "PART", "plat.h": "PART"},  # plat.h: issue 17, wt-winport
    "db": {"db_impl.h": "INTERNAL"},
    "store": {
        "store_accounts.h": "PART",
        "store_audit.h": "PART",
        "store_admission.h": "PART",
        "store_devices.h": "PART",
        "store_users.h": "PART",
        "store_punches.h": "PART",
        "store_commands.h": "PART",
        "store_fptemplates.h": "PART",
        "store_jobs.h": "PART",
        "store_personnel.h": "PART",  # issue 16, BioTime personnel (wt-btpeople)
        "store_fleet.h": "PART",
        "store_forward.h": "PART",
        "store_intkeys.h": "PART",
        "store_bt.h": "PART",  # issue 16, bttx part
        "store_impl.h": "INTERNAL",
    },
    "auth": {"auth_jwt.h": "PART", "auth_password.h": "PART", "auth_accounts.h": "PART",
             "auth_intkeys.h": "PART",
             "auth_impl.h": "INTERNAL"},
    "fpservice": {"internal.h": "INTERNAL"},
    "jobs": {"jobs_impl.h": "INTERNAL"},
    "forward": {"forward_impl.h": "INTERNAL"},
    "fleet": {"fleet_impl.h": "INTERNAL"},
    "api": {"api_json.h": "INTERNAL", "v1_fleet.h": "INTERNAL"},
    "http": {"port_file.h": "INTERNAL"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def below(module):
    """Every module `module` may depend on, transitively."""
    seen, todo = set(), list(USES.get(module, USES.keys()) if module != MAIN else USES.keys())
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            todo.extend(USES[m])
    return seen


def sources(folder):
    for dirpath, _, files in os.walk(folder):
        for f in sorted(files):
            if f.endswith((".c", ".h")):
                yield os.path.join(dirpath, f)


def main(root):
    daemon = os.path.join(root, "daemon")
    errors = []
    owner = {}  # header name -> module
    folders = sorted(d for d in os.listdir(daemon) if os.path.isdir(os.path.join(daemon, d)))
    for m in folders:
        if m not in USES:
            errors.append(f"daemon/{m}/: a module folder unknown to this check (add it to USES, with its place)")
            continue
        headers = sorted(f for f in os.listdir(os.path.join(daemon, m)) if f.endswith(".h"))
        if f"{m}.h" not in headers:
            errors.append(f"daemon/{m}/: no public header {m}.h")
        for h in headers:
            if h != f"{m}.h" and h not in OTHER_HEADERS.get(m, {}):
                errors.append(f"daemon/{m}/{h}: a second header that is neither the public {m}.h nor a "
                              "documented part/internal header (OTHER_HEADERS in tests/meta/check-layers.py)")
            if h in owner:
                errors.append(f"daemon/{m}/{h}: the same header name as daemon/{owner[h]}/{h}")
            owner[h] = m
    for m in USES:
        if m not in folders:
            errors.append(f"daemon/{m}/: listed in USES but missing")

    def check_file(path, module):
        rel = os.path.relpath(path, root)
        here = os.path.dirname(path)
        with open(path, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for name in INCLUDE.findall(text):
            if name.startswith("zkbio/") and (os.path.exists(os.path.join(root, "include", name)) or
                                               os.path.exists(os.path.join(root, "include", name + ".in"))):
                continue  # a public libzkbio header (version.h is generated from version.h.in)
            if module is None and name in cli_headers:
                continue  # cli/ builds with cli/, cli/bench and cli/pushsim on its include path
            if os.path.exists(os.path.join(here, name)) and (module is None or module == MAIN or
                                                              owner.get(name) == module):
                continue  # a header of the file's own folder
            target = owner.get(name)
            if target is None:
                errors.append(f"{rel}: #include \"{name}\": not a header of this folder, of include/zkbio or of "
                              "a daemon module")
                continue
            if module is None:
                errors.append(f"{rel}: #include \"{name}\": cli/ links no daemon code (daemon/{target}/)")
                continue
            if target == module:
                continue
            if target not in below(module):
                errors.append(f"{rel}: #include \"{name}\": {module} may not use {target} "
                              f"({module} sees only {', '.join(sorted(below(module))) or 'nothing'})")
            elif name != f"{target}.h" and OTHER_HEADERS.get(target, {}).get(name) != "PART":
                errors.append(f"{rel}: #include \"{name}\": internal to daemon/{target}/; include {target}.h")

    for m in folders:
        if m in USES:
            for path in sources(os.path.join(daemon, m)):
                check_file(path, m)
    for f in sorted(os.listdir(daemon)):
        if f.endswith((".c", ".h")):
            check_file(os.path.join(daemon, f), MAIN)
    cli_headers = {os.path.basename(p) for p in sources(os.path.join(root, "cli")) if p.endswith(".h")}
    for path in sources(os.path.join(root, "cli")):
        check_file(path, None)

    for e in errors:
        print(e)
    n = sum(1 for _ in sources(daemon)) + sum(1 for _ in sources(os.path.join(root, "cli")))
    print(f"{n} files, {len(folders)} modules: {len(errors)} violation(s)")
    return 1 if errors else 0


def selftest(root):
    """The check must catch an upward include: copy daemon/ and cli/, add one to store, expect failure."""
    import shutil
    import tempfile
    import contextlib
    import io

    with tempfile.TemporaryDirectory() as tmp:
        for d in ("daemon", "cli", "include"):
            shutil.copytree(os.path.join(root, d), os.path.join(tmp, d))
        with open(os.path.join(tmp, "daemon", "store", "store.c"), "a", encoding="utf-8") as fh:
            fh.write('\n#include "api.h"\n')
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            rc = main(tmp)
        if rc != 1 or "store may not use api" not in out.getvalue():
            print("self-test: an upward include (store.c -> api.h) was not reported")
            return 1
    print("self-test: an upward include (store.c -> api.h) is reported")
    return 0


if __name__ == "__main__":
    top = sys.argv[1] if len(sys.argv) > 1 else "."
    sys.exit(main(top) or selftest(top))
