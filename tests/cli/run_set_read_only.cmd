run - <<< $'set /sys/kernel/mm/transparent_hugepage/hpage_pmd_size 4096'
