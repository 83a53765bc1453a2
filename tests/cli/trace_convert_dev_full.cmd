trace convert gen:seq:count=1M /dev/full
