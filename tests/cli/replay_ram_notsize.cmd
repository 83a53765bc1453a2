replay gen:seq --ram abc
