run - <<< $'proc a\na mmap b 4M anon private rw\na madvise b huge'
