#!/bin/sh
# Every C source and header of the project (not subprojects) matches .clang-format.
set -eu
root=$1
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed"; exit 77; }
cd "$root"
if command -v git >/dev/null 2>&1 && git rev-parse --git-dir >/dev/null 2>&1; then
    files=$(git ls-files '*.c' '*.h' | grep -v '^subprojects/')
else
    files=$(find include lib daemon cli tests examples -name '*.c' -o -name '*.h')
fi
bad=0
for f in $files; do
    [ -f "$f" ] || continue
    if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
        echo "not formatted: $f (run clang-format -i $f)"
        bad=$((bad + 1))
    fi
done
n=$(echo "$files" | wc -w)
echo "$((n - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
