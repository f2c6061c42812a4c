#!/bin/sh
# Fails when a library exports a symbol that does not start with lium_.
# usage: check_exports.sh <lib>...
set -eu
status=0
for lib in "$@"; do
	[ -f "$lib" ] || { echo "check_exports: no such file: $lib" >&2; exit 2; }
	case "$lib" in
	*.a)
		# Global definitions of an archive (T, D, B, R ...).
		syms=$(nm --defined-only -g "$lib" 2>/dev/null | awk 'NF>=3 {print $3}')
		;;
	*)
		# Dynamic symbol table, minus the version node names (type A).
		syms=$(nm -D --defined-only "$lib" | awk '$2 != "A" {print $3}' | sed 's/@.*//')
		;;
	esac
	n=0
	for s in $syms; do
		n=$((n + 1))
		case "$s" in
		lium_*) ;;
		*) echo "$lib exports $s (must start with lium_)" >&2; status=1 ;;
		esac
	done
	[ "$n" -gt 0 ] || { echo "$lib exports nothing" >&2; status=1; }
	echo "$lib: $n exported symbols checked"
done
exit $status
