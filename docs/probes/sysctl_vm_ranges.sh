#!/bin/sh
# Which writes /proc/sys/vm/ accepts (the kernel's proc_handler checks), as root: each value
# is written and the file's previous value put back at once; a trap restores every file on
# exit, and the whole runs under the machine-wide settings lock vmlab's Linux backend takes.
# Values that would disturb the machine (huge min_free_kbytes, watermark_scale_factor 3000)
# are not written: only their refusals are probed.
# Usage: flock /run/lock/vmlab-kernel-settings.lock sh docs/probes/sysctl_vm_ranges.sh
cd /proc/sys/vm || exit 1
files="swappiness min_free_kbytes watermark_scale_factor watermark_boost_factor dirty_ratio
dirty_background_ratio dirty_bytes dirty_background_bytes dirty_expire_centisecs
dirty_writeback_centisecs page-cluster vfs_cache_pressure"
for f in $files; do eval "save_$(echo $f | tr - _)=\$(cat $f)"; done
restore() {
    # dirty_bytes and dirty_ratio (and the background pair) zero each other: the ratio that
    # was in force is written last.
    for f in $files; do
        v=$(eval echo "\$save_$(echo $f | tr - _)")
        [ "$v" = 0 ] && case $f in dirty_bytes|dirty_background_bytes) continue;; esac
        echo "$v" > $f
    done
}
trap restore EXIT INT TERM HUP
try() { # FILE VALUE: prints ok or the error, and FILE's value after
    f=$1; shift
    if printf '%s' "$1" > $f 2>/dev/null; then r=ok; else r=EINVAL; fi
    printf '%-26s %-14s %-7s now=%s\n' "$f" "'$1'" "$r" "$(cat $f 2>/dev/null || echo '(unreadable)')"
    restore
}
try swappiness 200; try swappiness 201; try swappiness -1; try swappiness 0
try min_free_kbytes -1
try watermark_scale_factor 0; try watermark_scale_factor 3001
try watermark_boost_factor -1; try watermark_boost_factor 0
try dirty_ratio 101; try dirty_ratio 100; try dirty_ratio -1; try dirty_ratio 0
try dirty_background_ratio 101; try dirty_background_ratio 0; try dirty_background_ratio 50
try dirty_bytes 8191; try dirty_bytes 8192; try dirty_bytes 0
try dirty_background_bytes 0; try dirty_background_bytes 1; try dirty_background_bytes 4096
try dirty_expire_centisecs -1; try dirty_expire_centisecs 0; try dirty_expire_centisecs 2147483647
try dirty_writeback_centisecs -1; try dirty_writeback_centisecs 0; try dirty_writeback_centisecs 2147483648
try page-cluster 31; try page-cluster 32; try page-cluster -1
try vfs_cache_pressure -1; try vfs_cache_pressure 0; try vfs_cache_pressure 100000
try swappiness ' 61 '; try swappiness '61x'; try swappiness '61 62'; try swappiness '+61'; try swappiness ''
# the interplay: a bytes write zeroes the ratio, a ratio write zeroes the bytes
echo 1048576 > dirty_bytes; echo "dirty_bytes=1M: dirty_ratio now $(cat dirty_ratio)"
echo 20 > dirty_ratio; echo "dirty_ratio=20: dirty_bytes now $(cat dirty_bytes)"
echo 1048576 > dirty_background_bytes; echo "dirty_background_bytes=1M: dirty_background_ratio now $(cat dirty_background_ratio)"
echo 10 > dirty_background_ratio; echo "dirty_background_ratio=10: dirty_background_bytes now $(cat dirty_background_bytes)"
# drop_caches: mode 0200. Only writes that drop nothing are probed (the machine is shared):
# refusals, and 4 (bit 2 only silences the kernel log message). The first run of this probe
# also wrote 5 (= 1|4), which was accepted: there is no upper bound of 4 on this kernel.
cat drop_caches >/dev/null 2>&1 && echo "drop_caches readable" || echo "drop_caches: read refused"
for v in 0 -1 2147483648 4; do if echo $v > drop_caches 2>/dev/null; then echo "drop_caches $v ok"; else echo "drop_caches $v EINVAL"; fi; done
