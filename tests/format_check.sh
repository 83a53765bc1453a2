#!/usr/bin/env bash
# Fails listing every C source that clang-format would change.
set -u
fmt=$1; top=$2
cd "$top" || exit 1
bad=0
while IFS= read -r f; do
  if ! "$fmt" --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "not clang-format clean: $f (run: make format)"; bad=1
  fi
done < <(find include src tests bench -name '*.[ch]' | sort)
exit $bad
