run - <<< $'proc a\nset /sys/kernel/mm/transparent_hugepage/khugepaged/scan_sleep_millisecs 500'
