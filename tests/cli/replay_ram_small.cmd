replay gen:seq --ram 63M
