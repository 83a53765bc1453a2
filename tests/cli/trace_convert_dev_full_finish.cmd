trace convert gen:seq:count=10 /dev/full
