run - <<< $'set /sys/kernel/mm/transparent_hugepage/defrag'
