replay gen:random:footprint=0
