replay gen:seq --ram 16E
