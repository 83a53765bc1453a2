trace record -o "${TMPDIR:-/tmp}/vmlab-rec-$$.vmt" -- /nonexistent-program; test ! -e "${TMPDIR:-/tmp}/vmlab-rec-$$.vmt"
