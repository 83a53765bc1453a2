trace convert gen:seq:count=1 /dev/null
