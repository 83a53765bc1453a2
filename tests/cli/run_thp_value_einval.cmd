run - <<< $'machine ram=1G thp.khugepaged/max_ptes_none=512'
