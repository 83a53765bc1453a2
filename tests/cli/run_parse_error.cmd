run - <<< $'proc a\na mmap b 1M anon privat rw'
