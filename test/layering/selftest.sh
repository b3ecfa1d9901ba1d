#!/usr/bin/env bash
# check_layering.py must catch what it is there to catch: on a small tree with
# an upward include, an include between siblings (which also closes a cycle)
# and an include of a header that does not exist, it names each at its line.
set -u
py=/usr/bin/python3
check="$(dirname "$0")/check_layering.py"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
mkdir -p "$t"/{base,arch,components,noc,workloads,traces,sim,app}
printf '#include "util.h"\n' >"$t/base/util.c"; : >"$t/base/util.h"
printf '#include "util.h"\n#include <stdio.h>\n' >"$t/arch/arch.h"
printf '#include "arch.h"\n#include "model.h"\n' >"$t/components/tile.c"
printf '#include "arch.h"\n#include "tile.h"\n' >"$t/workloads/model.h"; : >"$t/components/tile.h"
printf '#include "trace.h"\n#include "gone.h"\n' >"$t/workloads/compile.c"; : >"$t/traces/trace.h"
printf '#include "model.h"\n#include "trace.h"\n' >"$t/app/main.c"
"$py" "$check" "$t" >"$t/out"; st=$?
cat >"$t/want" <<'WANT'
components/tile.c:2: error: components/ includes "model.h" from workloads/ (expected components, noc and workloads not to include each other)
workloads/compile.c:1: error: workloads/ includes "trace.h" from traces/, a higher folder (expected base <- arch <- components, noc, workloads <- traces <- sim <- app)
workloads/compile.c:2: error: includes "gone.h", found in none of app, arch, base, components, noc, sim, traces, workloads (expected a header of the tree)
workloads/model.h:2: error: workloads/ includes "tile.h" from components/ (expected components, noc and workloads not to include each other)
error: the folders include each other in a cycle: workloads -> components (workloads/model.h:2), components -> workloads (components/tile.c:2)
WANT
if [[ $st -eq 1 ]] && diff "$t/want" "$t/out"; then
  echo "layering selftest: every planted problem reported"
  exit 0
fi
echo "FAIL: status $st, output:"; cat "$t/out"
exit 1
