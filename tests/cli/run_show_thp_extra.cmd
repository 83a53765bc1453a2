run - <<< $'show thp defrag'
