run - <<< $'file create f 16K\nproc a\na mmap m 8K file=f shared r offset=9223372036854767616'
