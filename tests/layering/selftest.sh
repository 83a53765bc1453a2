#!/usr/bin/env bash
# selftest.sh TOP: check_layers.sh must fail, naming file, line and include, on a copy of the
# tree with one deliberate violation of each kind, and report nothing else (in particular not
# the documented exceptions).
set -u
top=${1:?usage: selftest.sh TOP}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cp -r "$top/src" "$top/include" "$work"/

# put FILE TEXT: TEXT becomes line 1 of FILE.
put() { { printf '%s\n' "$2"; cat "$work/$1"; } > "$work/$1.new" && mv "$work/$1.new" "$work/$1"; }
put src/hw/tlb.c '#include "vmlab/sim.h"'
put src/hw/mmu.c '#include "trace/trace_int.h"'
put include/vmlab/sim.h '#include "vmlab/trace.h"'
put include/vmlab/mmu.h '#include "hw/tlb.h"'
put src/util/grow.c '#include "vmlab/vmlab.h"'
put src/cli/main.c '#include "util/text.h"'
put src/scenario/run.c '#  include "mm/sim_internal.h"'
put src/proc/format.c '#include "fields.h"'

want='include/vmlab/mmu.h:1: #include "hw/tlb.h": a public header includes an internal one
include/vmlab/sim.h:1: #include "vmlab/trace.h": mm includes trace, a higher layer
src/cli/main.c:1: #include "util/text.h": the CLI uses only the public API (include/vmlab/), not util/ internals
src/hw/mmu.c:1: #include "trace/trace_int.h": hw includes trace, a higher layer
src/hw/tlb.c:1: #include "vmlab/sim.h": hw includes mm, a higher layer
src/proc/format.c:1: #include "fields.h": not under vmlab/ or a layer'"'"'s directory
src/scenario/run.c:1: #include "mm/sim_internal.h": scenario includes an internal header of mm (not a documented exception)
src/util/grow.c:1: #include "vmlab/vmlab.h": the umbrella header is for clients; include the headers of the layers this file uses'

got=$("$here/check_layers.sh" "$work"); rc=$?
got=$(printf '%s\n' "$got" | sort)
if [ $rc != 1 ] || [ "$got" != "$want" ]; then
  echo "check_layers.sh exit $rc (want 1); its report differs from the planted violations:"
  diff <(printf '%s\n' "$want") <(printf '%s\n' "$got")
  exit 1
fi
echo "selftest: check_layers.sh reports each of the 8 planted violations and nothing else"
