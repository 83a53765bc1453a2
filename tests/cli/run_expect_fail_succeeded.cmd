run - <<< $'machine ram=1G\nproc a\nexpect fail ENOMEM\na mmap b 1M anon private rw'
