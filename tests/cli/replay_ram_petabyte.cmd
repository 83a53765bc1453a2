replay gen:seq --ram 1P
