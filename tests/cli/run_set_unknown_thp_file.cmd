run - <<< $'set /sys/kernel/mm/transparent_hugepage/shrink_underused 0'
