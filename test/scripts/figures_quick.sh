#!/usr/bin/env bash
# scripts/figures --quick runs its sweeps (against the fake imcsim here) and
# writes all six figures as PNG and PDF.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
unset FAKE_IMCSIM_FAIL
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || { echo "SKIP: no python3-matplotlib"; exit 77; }
# figures 7-9 need real functional runs of trained networks (test_digits covers those)
"$SRC/scripts/figures" --quick --only 1,2,3,4,5,6 -o "$T/fig" --work "$T/work" 2> "$T/log" || { cat "$T/log"; fail "figures exited $?"; }
for f in fig1_presets fig2_adc fig3_crossbar fig4_noc fig5_landscape fig6_tiles; do
  [[ $(head -c 8 "$T/fig/$f.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] || fail "$f.png is not a PNG"
  [[ $(head -c 5 "$T/fig/$f.pdf") == %PDF- ]] || fail "$f.pdf is not a PDF"
done
grep -q "panels without data" "$T/log" && fail "a panel lacks data with the fake"
# the fake's 8x8 mesh saturates at 0.35 and fails from 0.385: the curve ends at 0.2
grep -q "fig4: mesh k=8 c=1: saturated from 0.4 flits/node/cycle, accepted at most 0.2; runs at higher rates that failed: 1" "$T/log" ||
  { cat "$T/log"; fail "fig4 does not end the mesh curve at the last completed point"; }
# points that cannot run are reported in the figure, not fatal: a failing sweep
FAKE_IMCSIM_FAIL=model=lenet5 "$SRC/scripts/figures" --quick --only 6 -o "$T/fig" --work "$T/work" 2> "$T/log" \
  && fail "expected exit 1 when a figure lacks data" || true
grep -q "fig6: per-tile utilization" "$T/log" || fail "missing-data panel not reported"
echo "PASS: six figures (PNG + PDF) from the fake; missing data reported"
