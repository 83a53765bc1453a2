trace convert gen:seq
