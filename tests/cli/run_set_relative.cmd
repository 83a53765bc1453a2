run - <<< $'set khugepaged/defrag 0'
