replay gen:seq:footprint=64K,count=4096,writes=50% --interval 1024
