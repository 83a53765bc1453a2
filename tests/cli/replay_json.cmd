replay gen:random:footprint=1M,count=1000,seed=2 --json
