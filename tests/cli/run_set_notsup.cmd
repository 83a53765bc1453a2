run - <<< $'proc a\nset /sys/kernel/mm/transparent_hugepage/defrag defer'
