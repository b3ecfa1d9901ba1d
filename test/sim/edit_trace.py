#!/usr/bin/env python3
# A hand edit of a layer trace, as a user might make one (test/sim/run_cli.sh).
# usage: edit_trace.py FILE OUT OP NTH FIELD EXPR [A]
# Sets FIELD (op, arg, a, b or c) of the NTH record (-1: the last) whose op is
# OP (docs/trace-format.md's number) and, if A is given, whose a is A, to EXPR
# of its value v; fixes the CRC so only the edit is wrong; writes OUT and
# prints the record's offset.
import struct, sys, zlib
path, out, op, nth, field, value = sys.argv[1:7]
afilter = int(sys.argv[7], 0) if len(sys.argv) > 7 else None
b = bytearray(open(path, "rb").read())
S = struct.unpack_from("<I", b, 112)[0]
base = 120 + 8 * S
offs = [o for o in range(base, len(b), 16) if b[o] == int(op)
        and (afilter is None or struct.unpack_from("<I", b, o + 4)[0] == afilter)]
o = offs[int(nth)]
where = {"op": (0, "<B"), "arg": (1, "<B"), "a": (4, "<I"), "b": (8, "<I"), "c": (12, "<I")}[field]
v = struct.unpack_from(where[1], b, o + where[0])[0]
struct.pack_into(where[1], b, o + where[0], eval(value, {"v": v}))
struct.pack_into("<I", b, 116, zlib.crc32(bytes(b[:116] + b[120:])))
open(out, "wb").write(b)
print(o)
