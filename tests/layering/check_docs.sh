#!/bin/sh
# Fails when a public function in an installed header has no /** */ block
# right before its declaration (CONVENTIONS.md: every public symbol is
# documented).
#
# usage: check_docs.sh <header>...
set -eu
status=0
for h in "$@"; do
	awk -v file="$h" '
	function trim(s) { sub(/[ \t]*\\?[ \t]*$/, "", s); sub(/^[ \t]*/, "", s); return s }
	{
		line = trim($0)
		if (in_doc) {
			if (line ~ /\*\/$/) { in_doc = 0; doc_end = NR }
			prev = NR
			next
		}
		if (line ~ /^\/\*\*/) {
			if (line ~ /\*\/$/) doc_end = NR; else in_doc = 1
			prev = NR
			next
		}
		if (line ~ /^LIUM_[A-Z]+_EXPORT/ && doc_end != prev) {
			printf "%s:%d: public declaration without a /** */ block: %s\n", file, NR, line
			bad = 1
		}
		if (line != "") prev = NR
	}
	END { exit bad }' "$h" || status=1
done
[ $status = 0 ] && echo "check_docs: $# public headers, every exported declaration documented"
exit $status
