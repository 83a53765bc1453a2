run - <<< $'proc a\na prctl thp_disable'
