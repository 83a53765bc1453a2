run - <<< $'proc a\na mmap b 1M anon private rw\na touch b write\nshow a status VmRSS RssAnon VmSwap\nshow a smaps b Rss: Anonymous'
