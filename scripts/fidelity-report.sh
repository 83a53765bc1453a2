#!/usr/bin/env bash
# fidelity-report.sh: runs `vmlab diff` on every fidelity scenario (tests/fidelity/*.vml) and
# every example (examples/*.vml) on this machine's kernel, and writes the results into
# docs/fidelity.md as the section of this kernel configuration (make fidelity-report).
#
# The figures diff compares depend on kernel settings (docs/fidelity.md, "Kernel settings"), so
# a result belongs to a configuration: the kernel release, its paging levels, whether it maps the
# shared zero page and frees page tables that MADV_DONTNEED empties (diff's own probes, read from
# its "note:" lines), the THP mode, read_ahead_kb of the block device under $TMPDIR (where the
# Linux backend creates its files) and that directory's filesystem. Each configuration has its
# own section between
#     <!-- fidelity-report: KEY -->  and  <!-- end fidelity-report -->
# A run replaces the section of its own KEY and keeps every other one, so runs on machines with
# other settings add up. The document is rewritten through a temporary file and a rename: a
# failed run leaves it as it was.
#
# Usage: fidelity-report.sh VMLAB [DOC]     (DOC defaults to docs/fidelity.md)
# The script can be sourced (tests/docs/test_fidelity_report.sh does) to test its functions.
set -euo pipefail

# Longest a single diff may run (a hung agent must not hang the report).
FR_TIMEOUT=${FR_TIMEOUT:-900}
FR_END='<!-- end fidelity-report -->'

fr_die() {
    echo "fidelity-report: $*" >&2
    exit 1
}

fr_usage() {
    echo "usage: fidelity-report.sh VMLAB [DOC]" >&2
    echo "  runs VMLAB diff on tests/fidelity/*.vml and examples/*.vml and writes this kernel" >&2
    echo "  configuration's section of DOC (default: docs/fidelity.md)" >&2
    exit 2
}

# ---- the kernel configuration -----------------------------------------------------------------

# The selected THP mode ("[madvise]" in SYSFS/kernel/mm/transparent_hugepage/enabled).
fr_thp_mode() { # SYSFS
    local f=$1/kernel/mm/transparent_hugepage/enabled mode=
    [ -r "$f" ] && mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$f")
    echo "${mode:-unknown}"
}

# read_ahead_kb of the block device MAJ:MIN: its own queue, or its disk's for a partition (a
# partition's sysfs directory lies inside its disk's and has a "partition" file). Prints
# nothing when MAJ:MIN is not a block device (tmpfs, overlay, btrfs's anonymous devices).
fr_block_read_ahead() { # MAJ:MIN SYSFS
    local dev=$2/dev/block/$1
    [ -e "$dev" ] || return 0
    if [ -e "$dev/partition" ]; then
        dev=$dev/..
    fi
    if [ -r "$dev/queue/read_ahead_kb" ]; then
        cat "$dev/queue/read_ahead_kb"
    else
        echo unknown
    fi
}

# "MAJ:MIN FSTYPE" of the filesystem holding DIR.
fr_fs_of() { # DIR
    findmnt -n -o MAJ:MIN,FSTYPE --target "$1" 2>/dev/null | head -n 1 | awk '{print $1, $2}'
}

# The key=value words of diff's "note: this kernel ...: simulating KEY=VALUE" lines.
fr_notes_settings() { # < diff output
    sed -n 's/^note: this kernel .*: simulating \([A-Za-z_]*=[^ ]*\)$/\1/p'
}

# The value of KEY in "KEY=VALUE ..." words, or "unknown".
fr_setting() { # KEY WORDS...
    local key=$1 w
    shift
    for w in "$@"; do
        if [ "${w%%=*}" = "$key" ]; then
            echo "${w#*=}"
            return 0
        fi
    done
    echo unknown
}

# ---- one scenario's result --------------------------------------------------------------------

# "VERDICT COMPARED DIFFER NOTCOMPARABLE" from diff's last line
# "FILE: same|DIFFERS: N fields compared, K differ[, M not comparable (the table says why)]";
# nothing when there is no such line (the run failed).
fr_verdict() { # < diff output
    sed -nE 's/^.*: (same|DIFFERS): ([0-9]+) fields compared, ([0-9]+) differ(, ([0-9]+) not comparable.*)?$/\1 \2 \3 \5/p' |
        tail -n 1 | awk '{print $1, $2, $3, ($4 == "" ? 0 : $4)}'
}

# Each "not comparable: WHY" of diff's table, one a line, the measured amounts in it ("moved by
# -7932 kB") replaced by N, so that one cause is counted as one reason.
fr_reasons() { # < diff output
    sed -n 's/^.*not comparable: //p' | sed -E 's/-?[0-9]+ kB/N kB/g'
}

# The names of the rows diff marks "<-- differs", one a line. Field rows are "    %-16s ...".
fr_differing() { # < diff output
    awk '/<-- differs/ {
        if ($0 ~ /^    state:/) n = "process state"
        else if ($0 ~ /^  mapping .*: missing on linux/) n = "mapping missing on linux"
        else if ($0 ~ /^operations measured:/) n = "number of measured operations"
        else if ($0 ~ /^processes:/) n = "number of processes"
        else { n = substr($0, 5, 16); sub(/ +$/, "", n) }
        print n
    }'
}

# ---- the document -----------------------------------------------------------------------------

# Writes DOC with SECTION (a file: the begin marker of KEY, the body, the end marker) in place of
# KEY's section, to OUT. Sections of other keys and the rest of DOC are copied as they are; a
# second section of KEY is dropped; a KEY not yet in DOC is appended at the end. Fails (status
# 3, OUT incomplete) when KEY's section has no end marker.
fr_splice() { # DOC KEY SECTION OUT
    FR_BEGIN="<!-- fidelity-report: $2 -->" FR_END=$FR_END FR_SECTION=$3 awk '
        function emit(  l) {
            while ((getline l < ENVIRON["FR_SECTION"]) > 0) print l
            close(ENVIRON["FR_SECTION"])
            done = 1
        }
        $0 == ENVIRON["FR_BEGIN"] {
            if (!done) emit()
            skip = NR
            next
        }
        skip && $0 == ENVIRON["FR_END"] { skip = 0; next }
        skip && /^<!-- fidelity-report: / { exit 3 }
        skip { next }
        { print; last = $0 }
        END {
            if (skip) exit 3
            if (!done) {
                if (NR > 0 && last != "") print ""
                emit()
            }
        }' "$1" >"$4" || return 3
}

# Markdown table cell text: no "|" that would end the cell.
fr_cell() {
    printf '%s' "$1" | sed 's/|/\\|/g'
}

# ---- the run ----------------------------------------------------------------------------------

fr_main() {
    case "${1:-}" in
    -h | --help) fr_usage ;;
    "") echo "fidelity-report: which vmlab? (missing VMLAB)" >&2; fr_usage ;;
    -*) echo "fidelity-report: unknown option '$1'" >&2; fr_usage ;;
    esac
    [ $# -le 2 ] || { echo "fidelity-report: too many arguments" >&2; fr_usage; }
    local root bin doc
    # Global: the EXIT trap removes them.
    work="" new=""
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    bin=$1
    doc=${2:-$root/docs/fidelity.md}
    if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
        fr_die "$bin is not an executable vmlab (build it: make all)"
    fi
    [ -f "$doc" ] || fr_die "$doc: no such document"
    # Absolute paths: the scenarios run from the repository root.
    bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
    doc=$(cd "$(dirname "$doc")" && pwd)/$(basename "$doc")
    if [ ! -w "$doc" ] || [ ! -w "$(dirname "$doc")" ]; then
        fr_die "$doc: cannot rewrite it (permissions)"
    fi
    command -v findmnt >/dev/null || fr_die "findmnt (util-linux) is needed to find \$TMPDIR's device"

    work=$(mktemp -d "${TMPDIR:-/tmp}/fidelity-report.XXXXXX")
    trap 'rm -rf "$work"; [ -z "$new" ] || rm -f "$new"' EXIT
    trap 'exit 130' INT TERM

    # The configuration. diff probes the zero page and page-table reclaim itself and says what
    # it found in its notes; paging levels come from the Linux backend's note for paging=.
    local release thp tmp fs majmin fstype ra paging notes zp ptr
    release=$(uname -r)
    thp=$(fr_thp_mode /sys)
    tmp=${TMPDIR:-/tmp}
    fs=$(fr_fs_of "$tmp")
    majmin=${fs% *} fstype=${fs#* }
    [ -n "$fs" ] || majmin="" fstype=unknown
    if [ "$fstype" = tmpfs ] || [ -z "$majmin" ]; then
        ra=n/a
    else
        ra=$(fr_block_read_ahead "$majmin" /sys)
        ra=${ra:-n/a}
    fi
    printf 'proc p\n' >"$work/probe.vml"
    notes=$( (cd "$work" && "$bin" diff probe.vml 2>&1) | fr_notes_settings) || true
    # shellcheck disable=SC2086 # words
    zp=$(fr_setting zero_page $notes)
    # shellcheck disable=SC2086
    ptr=$(fr_setting pt_reclaim $notes)
    printf 'machine ram=1G paging=4\nproc p\n' >"$work/paging.vml"
    paging=$( (cd "$work" && "$bin" run --on linux paging.vml 2>&1) |
        sed -n 's/.*the kernel uses \([0-9]\)-level paging.*/\1/p' | head -n 1) || true
    paging=${paging:-unknown}
    local key="$release paging=$paging zero_page=$zp pt_reclaim=$ptr thp=$thp read_ahead_kb=$ra tmpdir_fs=$fstype"
    echo "fidelity-report: configuration $key" >&2

    # The scenarios, from the repository root so that paths in the output are relative.
    cd "$root"
    local scns=(tests/fidelity/*.vml examples/*.vml)
    local n=${#scns[@]} i=0 scn name rc out line verdict cmp dif nc
    local t_cmp=0 t_dif=0 t_nc=0 n_same=0 n_differs=0 n_skip=0 n_fail=0
    local truebin
    truebin=$(command -v true)
    : >"$work/rows"
    : >"$work/reasons"
    : >"$work/differing"
    for scn in "${scns[@]}"; do
        i=$((i + 1))
        name=${scn#tests/}
        name=${name%.vml}
        # The "# requires:" lines, judged by the suite's own check.sh: with `true` in place of
        # vmlab it runs nothing, so its status says only whether the machine has what they ask.
        rc=0
        out=$(tests/fidelity/check.sh "$truebin" "$scn" 2>&1) || rc=$?
        if [ $rc = 77 ]; then
            line=$(printf '%s\n' "$out" | tail -n 1)
            printf '| %s | %s | | | |\n' "$name" "$(fr_cell "$line")" >>"$work/rows"
            n_skip=$((n_skip + 1))
            printf 'fidelity-report: [%d/%d] %s: %s\n' $i "$n" "$name" "$line" >&2
            continue
        elif [ $rc != 0 ]; then
            line=$(printf '%s\n' "$out" | tail -n 1)
            printf '| %s | failed: %s | | | |\n' "$name" "$(fr_cell "$line")" >>"$work/rows"
            n_fail=$((n_fail + 1))
            printf 'fidelity-report: [%d/%d] %s: failed: %s\n' $i "$n" "$name" "$line" >&2
            continue
        fi
        rc=0
        timeout "$FR_TIMEOUT" "$bin" diff "$scn" >"$work/out" 2>"$work/err" || rc=$?
        read -r verdict cmp dif nc < <(fr_verdict <"$work/out"; echo) || true
        if [ -z "${verdict:-}" ]; then
            if [ $rc = 124 ]; then
                line="timed out after $FR_TIMEOUT s"
            else
                line=$(grep -v '^$' "$work/err" "$work/out" -h | tail -n 1)
                line=${line:-exit status $rc}
            fi
            printf '| %s | failed: %s | | | |\n' "$name" "$(fr_cell "$line")" >>"$work/rows"
            n_fail=$((n_fail + 1))
            printf 'fidelity-report: [%d/%d] %s: failed: %s\n' $i "$n" "$name" "$line" >&2
            continue
        fi
        printf '| %s | %s | %d | %d | %d |\n' "$name" "$verdict" "$cmp" "$dif" "$nc" >>"$work/rows"
        t_cmp=$((t_cmp + cmp)) t_dif=$((t_dif + dif)) t_nc=$((t_nc + nc))
        if [ "$verdict" = same ]; then n_same=$((n_same + 1)); else n_differs=$((n_differs + 1)); fi
        fr_reasons <"$work/out" | awk -v s="$name" '{print s "\t" $0}' >>"$work/reasons"
        if [ "$verdict" = DIFFERS ]; then
            fr_differing <"$work/out" | sort | uniq -c |
                awk -v s="$name" '{c = $1; $1 = ""; sub(/^ /, ""); printf "%s%s%s", (NR > 1 ? ", " : "- " s ": "), $0, (c > 1 ? " (" c ")" : "")} END {if (NR) print ""}' >>"$work/differing"
        fi
        printf 'fidelity-report: [%d/%d] %s: %s, %d compared, %d differ, %d not comparable\n' \
            $i "$n" "$name" "$verdict" "$cmp" "$dif" "$nc" >&2
    done

    # The section.
    local commit
    commit=$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)
    {
        echo "<!-- fidelity-report: $key -->"
        echo "### Linux $release: $paging-level paging, zero page $zp, pt_reclaim $ptr, THP $thp, read_ahead_kb $ra, \$TMPDIR on $fstype"
        echo
        echo "Written by \`make fidelity-report\` on $(date -u +%Y-%m-%d) (vmlab $commit)."
        echo
        echo "| setting | this machine |"
        echo "|---|---|"
        echo "| kernel release | $release |"
        echo "| paging levels | $paging |"
        echo "| shared zero page (diff's probe) | $zp |"
        echo "| page tables freed by MADV_DONTNEED (CONFIG_PT_RECLAIM, diff's probe) | $ptr |"
        echo "| THP (transparent_hugepage/enabled) | $thp |"
        echo "| read_ahead_kb of \$TMPDIR's block device | $ra |"
        echo "| filesystem of \$TMPDIR | $fstype |"
        echo
        echo "| scenario | verdict | fields compared | differ | not comparable |"
        echo "|---|---|---:|---:|---:|"
        cat "$work/rows"
        echo "| **total**: $n scenarios, $n_same same, $n_differs DIFFERS, $n_skip skipped, $n_fail failed | | $t_cmp | $t_dif | $t_nc |"
        echo
        if [ -s "$work/reasons" ]; then
            echo "Not comparable, by reason (how many rows, then where: the scenarios, or how many):"
            echo
            awk -F '\t' '{
                    c[$2]++
                    if (index(" " s[$2] ",", " " $1 ",") == 0) {
                        s[$2] = s[$2] (s[$2] == "" ? "" : ", ") $1
                        k[$2]++
                    }
                }
                END {
                    for (r in c) {
                        where = k[r] > 4 ? k[r] " scenarios" : s[r]
                        printf "%d\t- %d × %s (%s)\n", c[r], c[r], r, where
                    }
                }' "$work/reasons" |
                sort -t $'\t' -k1,1nr -k2 | cut -f 2-
            echo
        fi
        if [ -s "$work/differing" ]; then
            echo "Fields that differ (with their count when more than one):"
            echo
            cat "$work/differing"
            echo
        fi
        echo "$FR_END"
    } >"$work/section"

    new=$(mktemp "$doc.XXXXXX")
    if ! fr_splice "$doc" "$key" "$work/section" "$new"; then
        rm -f "$new"
        fr_die "$doc: the section of '$key' has no end marker ($FR_END); fix it by hand"
    fi
    chmod --reference="$doc" "$new" 2>/dev/null || true
    mv "$new" "$doc"
    new=""
    echo "fidelity-report: $n scenarios ($n_same same, $n_differs DIFFERS, $n_skip skipped, $n_fail failed) written to $doc" >&2
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    fr_main "$@"
fi
