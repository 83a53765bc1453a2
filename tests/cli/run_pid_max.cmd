run - < <(printf 'machine cpus=1 ram=1G\n'; seq -f 'proc p%.0f' 1 31769)
