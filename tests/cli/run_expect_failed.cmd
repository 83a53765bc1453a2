run - <<< $'proc a\na mmap b 1M anon private rw\na touch b write\nexpect a status VmRSS == 2M'
