run - <<< $'proc a\nset /sys/kernel/mm/transparent_hugepage/khugepaged/defrag 0'
