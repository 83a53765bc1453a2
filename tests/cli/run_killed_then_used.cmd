run - <<< $'proc a\na mmap b 1M anon private rw\na munmap b[0:4K]\na touch b read\nshow a maps'
