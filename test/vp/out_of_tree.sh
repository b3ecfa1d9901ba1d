#!/usr/bin/env bash
# An out-of-tree SystemC program against libimcsim installed into a clean
# prefix: built with pkg-config (imcsim.pc) and with find_package(imcsim)
# (shared and static), each run. Environment: IMC_SRC, IMC_BIN (build/bin),
# IMC_OOT_FLAGS: compiler and linker flags the library was built with that its
# users need too (the sanitizer job's -fsanitize=...; empty otherwise).
set -eu
build=$(dirname "$IMC_BIN")
prefix="$build/vp_prefix_oot"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -rf "$prefix"
cmake --install "$build" --prefix "$prefix" >/dev/null
src="$IMC_SRC/test/vp/oot"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
# shellcheck disable=SC2046
flags=${IMC_OOT_FLAGS:-}
# shellcheck disable=SC2046,SC2086
g++ -std=c++17 -O1 $flags "$src/tiny.cpp" -o "$tmp/tiny_pc" $(pkg-config --cflags --libs imcsim systemc)
out=$("$tmp/tiny_pc")
echo "pkg-config:        $out"
cmake -S "$src" -B "$tmp/b" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags" >/dev/null
cmake --build "$tmp/b" -j2 >/dev/null
out=$("$tmp/b/tiny")
echo "find_package:      $out"
out=$("$tmp/b/tiny_static")
echo "find_package (.a): $out"
echo "ok"
