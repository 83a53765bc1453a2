run - <<< $'proc a\nshow vmstat pgfault pgscan'
